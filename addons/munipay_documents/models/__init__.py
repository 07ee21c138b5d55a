from . import res_company
from . import res_config_settings
from . import munipay_fee_type
from . import munipay_receipt
from . import munipay_payment_order
from . import munipay_wallet
from . import munipay_print_batch
