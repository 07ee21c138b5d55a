from . import munipay_kiosk_encashment
