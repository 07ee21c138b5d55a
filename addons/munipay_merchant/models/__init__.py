from . import res_company
from . import res_config_settings
from . import res_users
from . import pos_config
from . import pos_order_line
from . import pos_order
from . import munipay_fee_type
from . import munipay_payment_order
