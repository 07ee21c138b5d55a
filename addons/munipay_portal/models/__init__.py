from . import munipay_fee_type_provider
from . import munipay_fee_type
from . import munipay_payment_order
from . import munipay_portal_tan_failure
from . import payment_provider
from . import payment_transaction
from . import account_payment
from . import account_payment_register
