from . import test_merchant_topup
from . import test_merchant_security
from . import test_merchant_tour
from . import test_merchant_offline
