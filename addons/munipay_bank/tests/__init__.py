from . import test_bank_matching
from . import test_camt_import
from . import test_bank_adversarial
from . import test_suspense_report
