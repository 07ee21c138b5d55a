from . import test_notice_status_code
