"""The paForNode SOAP 1.1 service a creditor exposes to the pagoPA node: reading
requests, writing answers, validating both against the official XSD.

Requests are parsed namespace-aware (any prefix, a default namespace, ``xmlns=""``
children); the children of the operation element are unqualified, as the XSD
says. Errors are not SOAP faults: the normal response element carries ``outcome``
KO and a ``fault`` bean, as pagoPA's own creditor implementation answers.
"""
import glob
import os
import re
import threading

import xmlschema
from lxml import etree

SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
PAFN_NS = 'http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd'
MAX_REQUEST_BYTES = 1 << 20  # a receipt is a few kilobytes

# operation: (request element, response element); V1 elements end in Req/Res, V2 in Request/Response
OPERATIONS = {
    'paVerifyPaymentNotice': ('paVerifyPaymentNoticeReq', 'paVerifyPaymentNoticeRes'),
    'paGetPayment': ('paGetPaymentReq', 'paGetPaymentRes'),
    'paGetPaymentV2': ('paGetPaymentV2Request', 'paGetPaymentV2Response'),
    'paSendRT': ('paSendRTReq', 'paSendRTRes'),
    'paSendRTV2': ('paSendRTV2Request', 'paSendRTV2Response'),
}
REQUEST_ELEMENTS = {request: operation for operation, (request, _response) in OPERATIONS.items()}
# answered from a read-only cursor (a read replica when one is configured)
READONLY_OPERATIONS = frozenset({'paVerifyPaymentNotice'})

FAULTS = {
    'PAA_SINTASSI_XSD': "The request does not match the paForNode XSD.",
    'PAA_ID_DOMINIO_ERRATO': "The creditor institution is unknown here.",
    'PAA_ID_INTERMEDIARIO_ERRATO': "The broker is not the creditor's broker.",
    'PAA_STAZIONE_INT_ERRATA': "The station is not the creditor's station.",
    'PAA_PAGAMENTO_SCONOSCIUTO': "The payment position is unknown.",
    'PAA_PAGAMENTO_SCADUTO': "The payment position has expired.",
    'PAA_PAGAMENTO_ANNULLATO': "The payment position was cancelled.",
    'PAA_PAGAMENTO_DUPLICATO': "The payment position is already paid.",
    'PAA_RECEIPT_DUPLICATA': "The receipt was already received.",
    'PAA_SEMANTICA': "The request contradicts the payment position.",
    'PAA_SYSTEM_ERROR': "The creditor's system could not answer; try again.",
}

AMOUNT_RE = re.compile(r'[0-9]+\.[0-9]{2}')
MAX_CENTS = 99999999999
_EMAIL_RE = re.compile(r'[a-zA-Z0-9_.+\-]+@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*')


class PaFault(Exception):
    """A KO answer: ``code`` is one of :data:`FAULTS`."""

    def __init__(self, code, description=None, operation=None, element=None):
        assert code in FAULTS, code
        super().__init__('%s: %s' % (code, description or FAULTS[code]))
        self.code = code
        self.description = description
        self.operation = operation
        self.element = element  # the request element, when one was found


class SoapRequestError(Exception):
    """No paForNode operation can be told from the request: answered with a SOAP Fault."""


# ---------------------------------------------------------------------- amounts

def amount_to_cents(text):
    """``'12.30'`` → 1230; exactly two decimals, as the XSD wants."""
    if not isinstance(text, str) or not AMOUNT_RE.fullmatch(text):
        raise ValueError('an amount has two decimals (12.30), got %r' % (text,))
    cents = int(text.replace('.', ''))
    if cents > MAX_CENTS:
        raise ValueError('amount %s is above the pagoPA maximum' % text)
    return cents


def cents_to_amount(cents):
    if not isinstance(cents, int) or isinstance(cents, bool) or not 0 <= cents <= MAX_CENTS:
        raise ValueError('an amount in cents is an integer from 0 to %d, got %r' % (MAX_CENTS, cents))
    return '%d.%02d' % divmod(cents, 100)


def allocate_cents(parts, total, main=0):
    """Spread ``total`` cents over ``parts`` (cents) so that they add up to it.

    What the amount due differs from the parts' sum (a discount, a surcharge, an
    earlier partial payment) goes to ``parts[main]`` (the fee itself: costs are
    never discounted); a reduction larger than the main part is taken from the
    others, last first. Returns the new amounts (some may be 0).
    """
    if not parts:
        raise ValueError('nothing to allocate to')
    if total <= 0:
        raise ValueError('the total to allocate must be positive, got %r' % (total,))
    amounts = list(parts)
    difference = total - sum(amounts)
    if difference >= 0:
        amounts[main] += difference
        return amounts
    order = [main] + [i for i in reversed(range(len(amounts))) if i != main]
    missing = -difference
    for index in order:
        taken = min(amounts[index], missing)
        amounts[index] -= taken
        missing -= taken
        if not missing:
            break
    return amounts


def clip(value, size):
    """Text for an ``stTextN`` field: whitespace collapsed, at most ``size`` characters, None if empty."""
    text = ' '.join(str(value or '').split())[:size].strip()
    return text or None


# ---------------------------------------------------------------------- requests

def operation_from_action(value):
    """The operation a SOAPAction header names: the bare name, quotes optional
    (a URL or a WS-Addressing action ending in the name or its request element is
    read the same way). None when the header is absent or empty."""
    if not value:
        return None
    name = value.strip().strip('"\'').strip()
    if not name:
        return None
    name = re.split(r'[/#]', name)[-1]
    return REQUEST_ELEMENTS.get(name, name)


def _parser():
    # no DTD, no entities, no network: a SOAP message has none of them
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_request(data, soap_action=None, size=None):
    """``(operation, request element)`` of a paForNode request (``size``: its
    announced length, when the body was not read for being too large).

    Raises :class:`PaFault` PAA_SINTASSI_XSD (with ``operation`` set) when the
    operation is known but the message is not a valid envelope for it, and
    :class:`SoapRequestError` when no known operation can be told.
    """
    action = operation_from_action(soap_action)
    if action is not None and action not in OPERATIONS:
        raise SoapRequestError('unknown operation %r in SOAPAction' % action)

    def syntax(message, element=None):
        if action:
            raise PaFault('PAA_SINTASSI_XSD', message, operation=action, element=element)
        raise SoapRequestError(message)

    if (len(data or b'') if size is None else size) > MAX_REQUEST_BYTES:
        syntax('request larger than %d bytes' % MAX_REQUEST_BYTES)
    if not data:
        syntax('empty request')
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        syntax('not well-formed XML: %s' % error)
    if root.getroottree().docinfo.doctype:
        syntax('a SOAP message carries no document type declaration')
    if root.tag != '{%s}Envelope' % SOAP_ENV_NS:
        syntax('the root element is %s, not a SOAP 1.1 Envelope' % root.tag)
    bodies = root.findall('{%s}Body' % SOAP_ENV_NS)
    if len(bodies) != 1:
        syntax('a SOAP envelope has one Body')
    children = [child for child in bodies[0] if isinstance(child.tag, str)]
    if len(children) != 1:
        syntax('the SOAP Body must hold exactly one element')
    element = children[0]
    qname = etree.QName(element)
    operation = REQUEST_ELEMENTS.get(qname.localname) if qname.namespace == PAFN_NS else None
    if operation is None:
        syntax('the SOAP Body holds %s, no paForNode request' % element.tag, element)
    if action and operation != action:
        syntax('SOAPAction %s does not match the body element %s' % (action, qname.localname), element)
    return operation, element


def _text(element, path, required=True, pattern=None):
    node = element.find(path)
    value = node.text.strip() if node is not None and node.text and node.text.strip() else None
    if value is None:
        if required:
            raise PaFault('PAA_SINTASSI_XSD', '%s is missing' % path)
        return None
    if pattern and not re.fullmatch(pattern, value):
        raise PaFault('PAA_SINTASSI_XSD', '%s is not valid: %r' % (path, value[:40]))
    return value


def _cents(element, path, required=True):
    value = _text(element, path, required)
    if value is None:
        return None
    try:
        return amount_to_cents(value)
    except ValueError as error:
        raise PaFault('PAA_SINTASSI_XSD', '%s: %s' % (path, error)) from None


def _subject(element):
    if element is None:
        return None
    return {
        'type': _text(element, 'uniqueIdentifier/entityUniqueIdentifierType', pattern='[FG]'),
        'id': _text(element, 'uniqueIdentifier/entityUniqueIdentifierValue'),
        'name': _text(element, 'fullName'),
        'email': _text(element, 'e-mail', required=False),
    }


def read_request(operation, element):
    """The request's data as a dict (what munipay uses of it).

    The XSD has already checked the message when it declares the element; the
    checks here keep an undeclared element (V2 with a V1-only XSD) as strict.
    """
    if operation not in OPERATIONS:
        raise SoapRequestError('unknown operation %r' % operation)
    unqualified = [child for child in element if isinstance(child.tag, str) and etree.QName(child).namespace]
    if unqualified:
        raise PaFault('PAA_SINTASSI_XSD', 'the children of %s are unqualified, not %s'
                      % (OPERATIONS[operation][0], unqualified[0].tag))
    data = {
        'operation': operation,
        'id_pa': _text(element, 'idPA'),
        'id_broker': _text(element, 'idBrokerPA'),
        'id_station': _text(element, 'idStation'),
    }
    if operation in ('paVerifyPaymentNotice', 'paGetPayment', 'paGetPaymentV2'):
        data['fiscal_code'] = _text(element, 'qrCode/fiscalCode', pattern='[0-9]{11}')
        data['notice_number'] = _text(element, 'qrCode/noticeNumber', pattern='[0-9]{18}')
        if operation != 'paVerifyPaymentNotice':
            data['amount_cents'] = _cents(element, 'amount', required=False)
            data['transfer_type'] = _text(element, 'transferType', required=False)
            data['due_date'] = _text(element, 'dueDate', required=False)
        return data
    receipt = element.find('receipt')
    if receipt is None:
        raise PaFault('PAA_SINTASSI_XSD', 'receipt is missing')
    transfers = [{
        'id': _text(transfer, 'idTransfer', pattern='[1-5]'),
        'amount_cents': _cents(transfer, 'transferAmount'),
        'fiscal_code': _text(transfer, 'fiscalCodePA', pattern='[0-9]{11}'),
        'iban': _text(transfer, 'IBAN', required=False),
    } for transfer in receipt.findall('transferList/transfer')]
    if not 1 <= len(transfers) <= 5:
        raise PaFault('PAA_SINTASSI_XSD', 'a receipt has 1 to 5 transfers, not %d' % len(transfers))
    data['standin'] = _text(element, 'standin', required=False) in ('true', '1')
    data['receipt'] = {
        'receipt_id': _text(receipt, 'receiptId'),
        'notice_number': _text(receipt, 'noticeNumber', pattern='[0-9]{18}'),
        'fiscal_code': _text(receipt, 'fiscalCode', pattern='[0-9]{11}'),
        'outcome': _text(receipt, 'outcome', pattern='OK|KO'),
        'iuv': _text(receipt, 'creditorReferenceId'),
        'amount_cents': _cents(receipt, 'paymentAmount'),
        'description': _text(receipt, 'description'),
        'debtor': _subject(receipt.find('debtor')),
        'payer': _subject(receipt.find('payer')),
        'transfers': transfers,
        'psp_id': _text(receipt, 'idPSP'),
        'psp_name': _text(receipt, 'PSPCompanyName'),
        'psp_channel': _text(receipt, 'idChannel'),
        'payment_method': _text(receipt, 'paymentMethod', required=False),
        'fee_cents': _cents(receipt, 'fee', required=False),
        'payment_datetime': _text(receipt, 'paymentDateTime', required=False),
        'application_date': _text(receipt, 'applicationDate', required=False, pattern=r'\d{4}-\d{2}-\d{2}'),
    }
    return data


def peek_ids(element):
    """idPA and idBrokerPA of a request that may be invalid (for the fault's ``id``)."""
    if element is None:
        return {}
    return {'id_pa': (element.findtext('idPA') or '').strip(), 'id_broker': (element.findtext('idBrokerPA') or '').strip()}


# ---------------------------------------------------------------------- answers

def _add(parent, name, value):
    """An unqualified child; skipped when ``value`` is None."""
    if value is None:
        return None
    child = etree.SubElement(parent, name)
    if not isinstance(value, (dict, list)):
        child.text = value if isinstance(value, str) else str(value)
    return child


def _add_subject(parent, name, subject):
    node = _add(parent, name, {})
    identifier = _add(node, 'uniqueIdentifier', {})
    _add(identifier, 'entityUniqueIdentifierType', subject['type'])
    _add(identifier, 'entityUniqueIdentifierValue', subject['id'])
    _add(node, 'fullName', clip(subject['name'], 70) or 'ANONIMO')
    _add(node, 'streetName', clip(subject.get('street'), 70))
    _add(node, 'civicNumber', clip(subject.get('civic'), 16))
    _add(node, 'postalCode', clip(subject.get('postal_code'), 16))
    _add(node, 'city', clip(subject.get('city'), 35))
    _add(node, 'stateProvinceRegion', clip(subject.get('province'), 35))
    country = subject.get('country') or ''
    _add(node, 'country', country if re.fullmatch('[A-Z]{2}', country) else None)
    email = subject.get('email') or ''
    _add(node, 'e-mail', email if len(email) <= 256 and _EMAIL_RE.fullmatch(email) else None)


def build_response(operation, payload=None, fault=None, broker_id=None):
    """The response element of ``operation``: OK with ``payload``, or KO with
    ``fault`` (a :class:`PaFault`) whose ``id`` is the broker's."""
    element = etree.Element(etree.QName(PAFN_NS, OPERATIONS[operation][1]), nsmap={'pafn': PAFN_NS})
    if fault is not None:
        _add(element, 'outcome', 'KO')
        bean = _add(element, 'fault', {})
        _add(bean, 'faultCode', fault.code)
        _add(bean, 'faultString', FAULTS[fault.code])
        _add(bean, 'id', broker_id or 'munipay')
        _add(bean, 'description', fault.description or FAULTS[fault.code])
        return element
    _add(element, 'outcome', 'OK')
    if operation == 'paVerifyPaymentNotice':
        options = _add(element, 'paymentList', {})
        option = _add(options, 'paymentOptionDescription', {})
        _add(option, 'amount', cents_to_amount(payload['amount_cents']))
        _add(option, 'options', 'EQ')
        _add(option, 'dueDate', payload.get('due_date'))
        _add(option, 'detailDescription', clip(payload.get('detail'), 140))
        _add(option, 'allCCP', 'true' if payload['all_ccp'] else 'false')
        _add(element, 'paymentDescription', clip(payload['description'], 140) or '-')
        _add(element, 'fiscalCodePA', payload['fiscal_code'])
        _add(element, 'companyName', clip(payload['company_name'], 140))
        _add(element, 'officeName', clip(payload.get('office_name'), 140))
    elif operation in ('paGetPayment', 'paGetPaymentV2'):
        v2 = operation == 'paGetPaymentV2'
        data = _add(element, 'data', {})
        _add(data, 'creditorReferenceId', payload['iuv'])
        _add(data, 'paymentAmount', cents_to_amount(payload['amount_cents']))
        _add(data, 'dueDate', payload['due_date'])
        _add(data, 'description', clip(payload['description'], 140) or '-')
        _add(data, 'companyName', clip(payload['company_name'], 140))
        _add(data, 'officeName', clip(payload.get('office_name'), 140))
        _add_subject(data, 'debtor', payload['debtor'])
        transfers = _add(data, 'transferList', {})
        for index, transfer in enumerate(payload['transfers'], start=1):
            node = _add(transfers, 'transfer', {})
            _add(node, 'idTransfer', str(index))
            _add(node, 'transferAmount', cents_to_amount(transfer['amount_cents']))
            _add(node, 'fiscalCodePA', transfer['fiscal_code'])
            if v2:
                _add(node, 'companyName', clip(transfer.get('company_name') or payload['company_name'], 140))
            _add(node, 'IBAN', transfer['iban'])
            _add(node, 'remittanceInformation', clip(transfer['remittance'], 140) or '-')
            _add(node, 'transferCategory', clip(transfer['category'], 140))
    return element


def envelope(element):
    """The SOAP 1.1 envelope around a response element, as UTF-8 bytes."""
    root = etree.Element(etree.QName(SOAP_ENV_NS, 'Envelope'), nsmap={'soapenv': SOAP_ENV_NS})
    etree.SubElement(root, etree.QName(SOAP_ENV_NS, 'Header'))
    etree.SubElement(root, etree.QName(SOAP_ENV_NS, 'Body')).append(element)
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


def soap_fault(code, message):
    """A SOAP 1.1 Fault, for requests that name no paForNode operation."""
    root = etree.Element(etree.QName(SOAP_ENV_NS, 'Envelope'), nsmap={'soapenv': SOAP_ENV_NS})
    fault = etree.SubElement(etree.SubElement(root, etree.QName(SOAP_ENV_NS, 'Body')), etree.QName(SOAP_ENV_NS, 'Fault'))
    etree.SubElement(fault, 'faultcode').text = 'soapenv:%s' % code
    etree.SubElement(fault, 'faultstring').text = message
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


# ---------------------------------------------------------------------- schema

class Schema:
    """The paForNode XSD: validates request and response elements."""

    def __init__(self, path):
        self.path = path
        # local files only: the XSDs import nothing from the network
        self._schema = xmlschema.XMLSchema(path, allow='local', defuse='always')
        self._declared = {name for name in self._schema.maps.elements if name.startswith('{%s}' % PAFN_NS)}

    def declares(self, local_name):
        return '{%s}%s' % (PAFN_NS, local_name) in self._declared

    def errors(self, element, limit=3):
        """Up to ``limit`` validation errors of ``element`` (an lxml element)."""
        errors = []
        for error in self._schema.iter_errors(element):
            errors.append('%s at %s' % (error.reason, error.path))
            if len(errors) >= limit:
                break
        return errors


_schemas = {}
_schemas_lock = threading.Lock()


def find_xsd(directory):
    """The paForNode.xsd under ``directory`` (searched recursively)."""
    paths = sorted(glob.glob(os.path.join(glob.escape(directory), '**', 'paForNode.xsd'), recursive=True))
    if not paths:
        raise FileNotFoundError('no paForNode.xsd under %s' % directory)
    return os.path.abspath(paths[0])


def load_schema(directory):
    """The schema of ``directory``, loaded once per process."""
    path = find_xsd(directory)
    schema = _schemas.get(path)
    if schema is None:
        with _schemas_lock:
            schema = _schemas.get(path)
            if schema is None:
                schema = _schemas[path] = Schema(path)
    return schema
