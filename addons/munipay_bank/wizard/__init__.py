from . import munipay_suspense_assign
