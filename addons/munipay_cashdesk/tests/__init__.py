from . import test_cashdesk_accounting
from . import test_cashdesk_lookup
from . import test_cashdesk_reports
from . import test_cashdesk_security
from . import test_cashdesk_tours
from . import test_review_s8
from . import test_wallet_topup
