from . import munipay_pagopa_fdr_import
