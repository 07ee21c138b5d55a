from odoo import http
from odoo.http import request
from odoo.tools.misc import file_open



class MunipayKioskOffline(http.Controller):
    """What the kiosk needs when Odoo is unreachable: its snapshot (for the page, which
    stores it in the device bridge, and as CSV/XML files an officer loads from a USB stick)
    and the service worker that lets the page reload from the browser's cache."""

    @http.route('/munipay/kiosk/<int:config_id>/snapshot', type='json', auth='user', methods=['POST'])
    def kiosk_snapshot(self, config_id, lang=None):
        config = request.env['pos.config']._munipay_kiosk_check(config_id)
        return config._munipay_kiosk_snapshot()

    @http.route('/munipay/kiosk/<int:config_id>/snapshot.<string(length=3):fmt>', type='http', auth='user',
                methods=['GET'])
    def kiosk_snapshot_file(self, config_id, fmt, **kwargs):
        if fmt not in ('csv', 'xml'):
            raise request.not_found()
        config = request.env['pos.config']._munipay_kiosk_check(config_id)
        name, content_type, data = config._munipay_kiosk_snapshot_file(fmt)
        return request.make_response(data, headers=[
            ('Content-Type', content_type),
            ('Content-Disposition', http.content_disposition(name)),
            ('Cache-Control', 'no-store'),
        ])

    @http.route('/munipay/kiosk/sw.js', type='http', auth='public', methods=['GET'], sitemap=False)
    def kiosk_service_worker(self, **kwargs):
        with file_open('munipay_kiosk/static/sw/kiosk_sw.js', 'rb') as handle:
            script = handle.read()
        return request.make_response(script, headers=[
            ('Content-Type', 'text/javascript; charset=utf-8'),
            ('Service-Worker-Allowed', '/munipay/kiosk/'),
            ('Cache-Control', 'no-cache'),
        ])
