-- a neutralised copy must not sign receipt confirmations as the original does: the
-- confirmations are signed with database.secret (Odoo renews it on duplicate, not here)
UPDATE ir_config_parameter SET value = gen_random_uuid()::text WHERE key = 'database.secret';
