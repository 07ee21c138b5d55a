from . import munipay_merchant_statement
