-- a copied database must not be able to sign confirmations as the original
DELETE FROM ir_config_parameter WHERE key = 'munipay_documents.verify_secret';
