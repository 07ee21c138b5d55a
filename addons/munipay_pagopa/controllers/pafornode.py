import logging
import os
from contextlib import nullcontext

import psycopg2.errors

from odoo import SUPERUSER_ID, http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import config

from ..lib import pafornode
from ..lib.pafornode import PaFault

_logger = logging.getLogger(__name__)

# server option (odoo.conf) naming a directory with the official paForNode XSD; the add-on's copy otherwise
XSD_DIR_OPTION = 'munipay_pagopa_xsd_dir'
SHIPPED_XSD_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data', 'xsd')
# errors Odoo handles itself by running the request again (on a read/write cursor for the last one)
RETRIED_ERRORS = PG_CONCURRENCY_EXCEPTIONS_TO_RETRY + (psycopg2.errors.ReadOnlySqlTransaction,)


def pafornode_schema():
    return pafornode.load_schema(config.get(XSD_DIR_OPTION) or SHIPPED_XSD_DIR)


def _readonly(_controller):
    """Verify only reads: Odoo serves it from a read-only cursor (a read replica when
    ``db_replica_host`` is set), and runs it again on the primary if it ever writes."""
    action = pafornode.operation_from_action(request.httprequest.headers.get('SOAPAction'))
    return action in pafornode.READONLY_OPERATIONS


class PaForNodeController(http.Controller):

    @http.route('/munipay/pagopa/paForNode', type='http', auth='none', methods=['POST'], csrf=False,
                save_session=False, readonly=_readonly)
    def pa_for_node(self, **_kwargs):
        httprequest = request.httprequest
        size = httprequest.content_length or 0
        # kept (cache): Odoo runs the request again after a serialisation failure or a write on a read-only cursor
        body = httprequest.get_data() if size <= pafornode.MAX_REQUEST_BYTES else b''
        schema = pafornode_schema()
        operation, element, values = None, None, None
        env = request.env(user=SUPERUSER_ID, su=True)
        try:
            operation, element = pafornode.parse_request(
                body, httprequest.headers.get('SOAPAction'), size=max(size, len(body)))
            if schema.declares(pafornode.OPERATIONS[operation][0]):
                errors = schema.errors(element)
                if errors:
                    raise PaFault('PAA_SINTASSI_XSD', "; ".join(errors))
            values = pafornode.read_request(operation, element)
            # a request refused half-way leaves nothing behind; Verify writes nothing
            with nullcontext() if operation in pafornode.READONLY_OPERATIONS else env.cr.savepoint():
                payload = env['munipay.pagopa.node']._pagopa_answer(values, raw=body)
            answer = pafornode.build_response(operation, payload)
        except pafornode.SoapRequestError as error:
            return self._respond(pafornode.soap_fault('Client', str(error)), status=400)
        except PaFault as fault:
            operation = operation or fault.operation
            ids = values or pafornode.peek_ids(element if element is not None else fault.element)
            broker = env['munipay.pagopa.node']._pagopa_broker_id(ids)
            answer = pafornode.build_response(operation, fault=fault, broker_id=broker)
        except RETRIED_ERRORS:
            raise
        except Exception:
            _logger.exception("pagoPA %s failed", operation or "request")
            return self._server_error()
        if schema.declares(pafornode.OPERATIONS[operation][1]):
            errors = schema.errors(answer)
            if errors:
                _logger.error("pagoPA %s: the answer does not match the XSD: %s", operation, errors)
                return self._server_error()
        return self._respond(pafornode.envelope(answer))

    def _server_error(self):
        """A bug: nothing of the request is kept, the node gets HTTP 500 and asks again."""
        request.env.cr.rollback()
        return self._respond(pafornode.soap_fault('Server', 'PAA_SYSTEM_ERROR'), status=500)

    def _respond(self, body, status=200):
        return request.make_response(body, headers=[('Content-Type', 'text/xml; charset=utf-8')], status=status)
