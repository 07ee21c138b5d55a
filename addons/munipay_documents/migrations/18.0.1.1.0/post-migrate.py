def migrate(cr, version):
    # confirmations are now signed with Odoo's hmac on database.secret
    cr.execute("DELETE FROM ir_config_parameter WHERE key = 'munipay_documents.verify_secret'")
