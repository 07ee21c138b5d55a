from . import munipay_receipt_void
from . import munipay_verify_scan
