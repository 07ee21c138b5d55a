from . import test_lookup
from . import test_outbox_rest
from . import test_outbox_soap
from . import test_billing_security
from . import test_outbox_concurrency
from . import test_outbox_reversal
from . import test_outbox_review
