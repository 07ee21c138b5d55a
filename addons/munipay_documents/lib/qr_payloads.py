"""The QR payload library under its historical name: ``from ..lib import qr_payloads``.

The code lives in ``lib/qr/``, one module per standard; this module re-exports its
public names. The pure tests load this file by path, without Odoo: the package beside
it is then loaded by path too.
"""
if __name__.startswith('odoo.addons.'):
    from .qr import *  # noqa: F403
    from .qr import __all__  # noqa: F401
else:
    import importlib.util
    import pathlib
    import sys

    _NAME = 'munipay_documents_qr'
    _package = sys.modules.get(_NAME)
    if _package is None:
        _init = pathlib.Path(__file__).resolve().parent / 'qr' / '__init__.py'
        _spec = importlib.util.spec_from_file_location(_NAME, _init, submodule_search_locations=[str(_init.parent)])
        _package = importlib.util.module_from_spec(_spec)
        sys.modules[_NAME] = _package
        try:
            _spec.loader.exec_module(_package)
        except BaseException:
            del sys.modules[_NAME]
            raise
    __all__ = list(_package.__all__)
    globals().update({_key: getattr(_package, _key) for _key in __all__})
