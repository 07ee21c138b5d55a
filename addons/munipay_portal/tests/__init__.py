from . import test_portal_pages
from . import test_portal_access
from . import test_portal_tan
from . import test_portal_payment
from . import test_portal_routing
from . import test_portal_tour
from . import test_portal_wallet
from . import test_portal_status
