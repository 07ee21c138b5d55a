from . import munipay_order_cancel
from . import munipay_wallet_operation
from . import munipay_bulk_issue
from . import account_payment_register
from . import munipay_bulk_issue_line
