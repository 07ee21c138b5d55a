from . import test_bank_matching
from . import test_camt_import
from . import test_bank_adversarial
from . import test_concurrency_bank
from . import test_bank_tour
from . import test_mt940_import
from . import test_suspense_report
from . import test_review_s6
