from . import test_merchant_topup
from . import test_merchant_security
from . import test_merchant_tour
from . import test_merchant_offline
from . import test_merchant_settlement
from . import test_merchant_sms
from . import test_merchant_review
