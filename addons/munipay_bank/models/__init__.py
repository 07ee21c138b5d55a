from . import res_company
from . import res_config_settings
from . import account_bank_statement_line
from . import account_move_line
from . import account_payment
from . import munipay_payment_order
from . import account_move
from . import account_statement_import
