from . import munipay_suspense_report
