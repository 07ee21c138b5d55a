from . import test_portal_pages
