from . import test_documents
from . import test_receipt_access
