from . import test_demo_municipalities
from . import test_demo_statements
