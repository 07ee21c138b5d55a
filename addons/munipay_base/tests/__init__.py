from . import test_payment_order
from . import test_amounts
from . import test_bulk_issue
from . import test_wallet_partner_security
from . import test_concurrency
from . import test_tour
from . import test_ledger_hardening
from . import test_adversarial
