from . import test_portal_pages
from . import test_portal_payment
