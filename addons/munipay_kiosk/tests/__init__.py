from . import test_kiosk_booking
from . import test_kiosk_input
from . import test_kiosk_alerts
from . import test_kiosk_tour
from . import test_kiosk_money
from . import test_kiosk_receipt_job
from . import test_kiosk_wallet
from . import test_kiosk_alerts_devices
