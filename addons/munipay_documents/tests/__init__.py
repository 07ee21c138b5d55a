from . import test_documents
from . import test_printing
from . import test_receipt_lifecycle
from . import test_receipt_money
from . import test_scan_wizard
from . import test_receipt_access
