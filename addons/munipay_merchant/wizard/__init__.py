from . import munipay_merchant_settle
