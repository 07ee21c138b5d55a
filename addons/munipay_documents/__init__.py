from . import controllers
from . import models
from . import wizard


def _munipay_documents_post_init(env):
    env['munipay.receipt']._munipay_secret()
