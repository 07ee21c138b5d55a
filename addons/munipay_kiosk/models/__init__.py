from . import pos_config
from . import pos_order
from . import pos_session
from . import munipay_kiosk_payment
from . import munipay_kiosk_booking
from . import munipay_kiosk_receipt_job
from . import munipay_payment_order
from . import munipay_kiosk_wallet
