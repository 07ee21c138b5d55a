from . import munipay_kiosk_encashment
from . import munipay_kiosk_zreport
