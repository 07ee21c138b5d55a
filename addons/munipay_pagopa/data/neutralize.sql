-- a copy of the database must not reach pagoPA's services with the production keys
UPDATE res_company
   SET munipay_pagopa_gpd_key = NULL,
       munipay_pagopa_fdr_key = NULL;
