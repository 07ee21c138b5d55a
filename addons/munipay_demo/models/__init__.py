from . import munipay_demo
