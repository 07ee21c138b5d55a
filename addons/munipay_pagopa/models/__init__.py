from . import res_company
from . import res_config_settings
from . import munipay_fee_type
from . import munipay_payment_order
from . import munipay_pagopa_receipt
from . import munipay_pagopa_node
from . import munipay_pagopa_receipt_booking
from . import munipay_pagopa_receipt_batch
