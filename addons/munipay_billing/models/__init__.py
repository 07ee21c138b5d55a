from . import munipay_billing_system
from . import munipay_billing_system_api
from . import munipay_billing_outbox
from . import munipay_billing_outbox_undo
from . import munipay_payment_order
from . import munipay_wallet
from . import account_move
