from . import munipay_verify_scan
