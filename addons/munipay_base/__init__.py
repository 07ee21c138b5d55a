from . import models
from . import report
from . import wizard


def _munipay_post_init(env):
    env['res.company'].search([])._munipay_ensure_setup()
