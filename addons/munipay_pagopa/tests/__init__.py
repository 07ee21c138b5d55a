from . import test_pagopa_numbers
from . import test_pafornode_payment
from . import test_pafornode_faults
from . import test_pafornode_receipts
from . import test_receipt_concurrency
from . import test_receipt_booking
from . import test_receipt_booking_workers
from . import test_pafornode_speed
