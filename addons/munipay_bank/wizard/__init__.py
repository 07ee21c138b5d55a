from . import munipay_suspense_assign
from . import munipay_suspense_balance
