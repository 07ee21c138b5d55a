from . import munipay_collection_report
from . import munipay_receivable_age_report
