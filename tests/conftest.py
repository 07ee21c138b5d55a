"""Shared helpers for the pure (Odoo-free) tests.

The add-ons keep their Odoo-independent logic in ``addons/<module>/lib/*.py``.
Importing ``munipay_base.lib`` the usual way would run the add-on's
``__init__``, which imports odoo; so the lib files are loaded by file path.
"""
import functools
import importlib.util
import pathlib
import sys

import pytest

ADDONS = pathlib.Path(__file__).resolve().parent.parent / 'addons'


@functools.lru_cache(maxsize=None)
def load_lib(module, name):
    """Load ``addons/<module>/lib/<name>.py`` as a standalone Python module."""
    path = ADDONS / module / 'lib' / ('%s.py' % name)
    if not path.is_file():
        raise FileNotFoundError('no pure lib file %s' % path)
    qualified = 'munipay_pure_lib.%s.%s' % (module, name)
    spec = importlib.util.spec_from_file_location(qualified, path)
    lib = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = lib  # lets dataclasses/pickle resolve the module
    try:
        spec.loader.exec_module(lib)
    except BaseException:
        del sys.modules[qualified]
        raise
    return lib


@pytest.fixture(scope='session')
def references():
    return load_lib('munipay_base', 'references')


@pytest.fixture(scope='session')
def amount_rules():
    return load_lib('munipay_base', 'amount_rules')


@pytest.fixture(scope='session')
def csv_rows():
    return load_lib('munipay_base', 'csv_rows')


@pytest.fixture(scope='session')
def qr_payloads():
    return load_lib('munipay_documents', 'qr_payloads')
