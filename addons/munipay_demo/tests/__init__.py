from . import test_demo_municipalities
