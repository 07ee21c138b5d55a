from . import munipay_collection_report
