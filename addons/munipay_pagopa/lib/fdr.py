"""pagoPA settlement reports (FdR, "flussi di rendicontazione"): the XML
``FlussoRiversamento`` (1.0.4 and 1.0.5, validated against the official XSD) and
the JSON of pagoPA's FdR REST service, read into one plain structure. Pure Python
(lxml), no ORM.

Outcome codes: 0 paid, 9 paid without RPT, 3 revoked (1.0.4 only), 4 stand-in,
8 stand-in without RPT (1.0.5 only). A revoked payment takes money back: its
amount counts negative, whatever sign it is written with.
"""
import datetime
import glob
import os
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from lxml import etree

NS = 'http://www.digitpa.gov.it/schemas/2011/Pagamenti/'
# the newest first: a report valid for both is read as 1.0.5
SCHEMA_FILES = (('1.0.5', 'FlussoRiversamento_1_0_5.xsd'), ('1.0.4', 'FlussoRiversamento_1_0_4.xsd'))
MAX_XML_BYTES = 200 << 20  # a 50,000-payment report is about 20 MB
ROME = ZoneInfo('Europe/Rome')

PAID, REVOKED, STANDIN = 'paid', 'revoked', 'standin'
OUTCOME_KINDS = {'0': PAID, '9': PAID, '3': REVOKED, '4': STANDIN, '8': STANDIN}
API_OUTCOMES = {'EXECUTED': '0', 'REVOKED': '3', 'STAND_IN': '4', 'STAND_IN_NO_RPT': '8', 'NO_RPT': '9'}
_FLOW_ID_RE = re.compile(r'[a-zA-Z0-9\-_]{1,35}')
_TEXT35_RE = re.compile(r'.{1,35}', re.DOTALL)


class FdrError(ValueError):
    """The report cannot be read or does not add up (the message says why)."""


@dataclass
class Payment:
    iuv: str
    iur: str
    transfer: int
    cents: int  # signed: negative for a revoked payment
    outcome: str  # '0', '3', '4', '8' or '9'
    date: datetime.date

    @property
    def kind(self):
        return OUTCOME_KINDS[self.outcome]


@dataclass
class Flow:
    flow_id: str
    flow_datetime: datetime.datetime  # naive UTC
    regulation: str
    regulation_date: datetime.date
    psp_id: str
    receiver_id: str
    count: int
    total_cents: int
    version: str  # '1.0.4', '1.0.5' or 'api'
    revision: int = None  # the REST service's; an XML report has none
    psp_name: str = None
    bic: str = None
    receiver_name: str = None
    payments: list = field(default_factory=list)

    @property
    def net_cents(self):
        """What the PSP transfers: paid minus revoked."""
        return sum(p.cents for p in self.payments)

    @property
    def gross_cents(self):
        return sum(abs(p.cents) for p in self.payments)


# ---------------------------------------------------------------------- schemas

class Schemas:
    """The FlussoRiversamento XSDs of a directory (searched recursively), newest first."""

    def __init__(self, directory):
        self.schemas = []
        for version, name in SCHEMA_FILES:
            paths = sorted(glob.glob(os.path.join(glob.escape(directory), '**', name), recursive=True))
            if paths:
                # local files only: the schemas import nothing
                parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
                self.schemas.append((version, etree.XMLSchema(etree.parse(paths[0], parser))))
        if not self.schemas:
            raise FileNotFoundError('no FlussoRiversamento XSD under %s' % directory)

    def validate(self, tree):
        """The version of the first schema ``tree`` is valid for, else :class:`FdrError`."""
        messages = []
        for version, schema in self.schemas:
            if schema.validate(tree):
                return version
            errors = ['line %s: %s' % (error.line, error.message) for error in list(schema.error_log)[:3]]
            messages.append('%s: %s' % (version, '; '.join(errors)))
        raise FdrError('not a valid FlussoRiversamento (%s)' % ' | '.join(messages))


_schemas = {}
_schemas_lock = threading.Lock()


def load_schemas(directory):
    """The schemas of ``directory``, loaded once per process."""
    key = os.path.abspath(directory)
    with _schemas_lock:
        if key not in _schemas:
            _schemas[key] = Schemas(key)
        return _schemas[key]


# ---------------------------------------------------------------------- XML

def _parser():
    # no DTD, no entities, no network: a settlement report has none of them
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False)


def _utc(moment):
    """Naive UTC of a date-time; without an offset it is Italian time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ROME)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def parse_datetime(text):
    return _utc(datetime.datetime.fromisoformat(text.strip()))


def _date(text):
    # xsd:date may carry a time zone ("2026-11-20Z", "2026-11-20+01:00"): the calendar day is what counts
    return datetime.date.fromisoformat(text.strip()[:10])


def _xml_cents(text):
    return int(text.strip().replace('.', ''))


def parse_xml(data, schemas):
    """The :class:`Flow` of a ``FlussoRiversamento`` document (bytes)."""
    if not data or len(data) > MAX_XML_BYTES:
        raise FdrError('the file is empty or larger than %d MB' % (MAX_XML_BYTES >> 20))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise FdrError('not well-formed XML: %s' % error) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise FdrError('a settlement report has no document type declaration')
    if root.tag != '{%s}FlussoRiversamento' % NS:
        raise FdrError('the root element is %s, not FlussoRiversamento of namespace %s' % (root.tag, NS))
    version = schemas.validate(tree)

    def text(element, path):
        return element.findtext(path, namespaces={'p': NS})

    payments = []
    for item in root.iterchildren('{%s}datiSingoliPagamenti' % NS):
        outcome = text(item, 'p:codiceEsitoSingoloPagamento').strip()
        cents = _xml_cents(text(item, 'p:singoloImportoPagato'))
        payments.append(Payment(
            iuv=text(item, 'p:identificativoUnivocoVersamento').strip(),
            iur=text(item, 'p:identificativoUnivocoRiscossione').strip(),
            transfer=int(text(item, 'p:indiceDatiSingoloPagamento') or 1),
            cents=-abs(cents) if OUTCOME_KINDS[outcome] == REVOKED else cents,
            outcome=outcome,
            date=_date(text(item, 'p:dataEsitoSingoloPagamento')),
        ))
    return Flow(
        flow_id=text(root, 'p:identificativoFlusso').strip(),
        flow_datetime=parse_datetime(text(root, 'p:dataOraFlusso')),
        regulation=text(root, 'p:identificativoUnivocoRegolamento').strip(),
        regulation_date=_date(text(root, 'p:dataRegolamento')),
        psp_id=text(root, 'p:istitutoMittente/p:identificativoUnivocoMittente/p:codiceIdentificativoUnivoco').strip(),
        psp_name=(text(root, 'p:istitutoMittente/p:denominazioneMittente') or '').strip() or None,
        bic=(text(root, 'p:codiceBicBancaDiRiversamento') or '').strip() or None,
        receiver_id=text(root, 'p:istitutoRicevente/p:identificativoUnivocoRicevente/p:codiceIdentificativoUnivoco')
        .strip(),
        receiver_name=(text(root, 'p:istitutoRicevente/p:denominazioneRicevente') or '').strip() or None,
        count=int(text(root, 'p:numeroTotalePagamenti')),
        total_cents=_xml_cents(text(root, 'p:importoTotalePagamenti')),
        version=version,
        payments=payments,
    )


# ---------------------------------------------------------------------- REST

def _api_cents(value, what):
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FdrError('%s is not an amount: %r' % (what, value)) from None
    cents = amount * 100
    if not amount.is_finite() or cents != cents.to_integral_value():
        raise FdrError('%s has more than two decimals: %r' % (what, value))
    return int(cents)


def _api_text(data, key, what, pattern=_TEXT35_RE):
    value = data.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise FdrError('%s is missing or invalid: %r' % (what, value))
    return value


def _pay_date(text):
    """The Italian calendar day of an instant of the REST service (or a plain date)."""
    if 'T' not in text:
        return _date(text)
    moment = datetime.datetime.fromisoformat(text.strip())
    return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)).astimezone(ROME).date()


def flow_from_api(flow, payments):
    """The :class:`Flow` of a published flow of the FdR REST service (its JSON) and
    its payments (the ``data`` of every page)."""
    try:
        sender = flow.get('sender') or {}
        receiver = flow.get('receiver') or {}
        result = Flow(
            flow_id=_api_text(flow, 'fdr', 'fdr', _FLOW_ID_RE),
            flow_datetime=parse_datetime(flow['fdrDate']),
            regulation=_api_text(flow, 'regulation', 'regulation'),
            regulation_date=_date(flow['regulationDate']),
            psp_id=_api_text(sender, 'pspId', 'sender.pspId'),
            psp_name=sender.get('pspName'),
            bic=flow.get('bicCodePouringBank'),
            receiver_id=_api_text(receiver, 'organizationId', 'receiver.organizationId'),
            receiver_name=receiver.get('organizationName'),
            count=int(flow['totPayments']),
            total_cents=_api_cents(flow['sumPayments'], 'sumPayments'),
            version='api',
            revision=int(flow['revision']),
        )
        for payment in payments:
            outcome = API_OUTCOMES.get(payment.get('payStatus'))
            if outcome is None:
                raise FdrError('payment %s has an unknown payStatus %r' % (payment.get('index'),
                                                                            payment.get('payStatus')))
            cents = _api_cents(payment['pay'], 'pay of payment %s' % payment.get('index'))
            transfer = int(payment['idTransfer'])
            if not 1 <= transfer <= 5 or cents == 0:
                raise FdrError('payment %s: idTransfer is 1 to 5 and pay is not zero' % payment.get('index'))
            result.payments.append(Payment(
                iuv=_api_text(payment, 'iuv', 'iuv'),
                iur=_api_text(payment, 'iur', 'iur'),
                transfer=transfer,
                cents=-abs(cents) if OUTCOME_KINDS[outcome] == REVOKED else cents,
                outcome=outcome,
                date=_pay_date(payment['payDate']),
            ))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, FdrError):
            raise
        raise FdrError('the flow is not as the FdR service describes it: %s' % error) from None
    return result


# ---------------------------------------------------------------------- checks

def format_cents(cents):
    return '%s%d.%02d' % ('-' if cents < 0 else '', abs(cents) // 100, abs(cents) % 100)


def check_totals(flow):
    """The announced number and total of the payments must be what the report lists.

    The specification writes a revoked payment's amount as negative, but neither
    XSD nor pagoPA's REST service can carry a sign, and pagoPA's own service sums
    the amounts as written: the total may be either sum.
    """
    count = len(flow.payments)
    if flow.count != count or flow.total_cents not in (flow.net_cents, flow.gross_cents):
        raise FdrError('flow %s announces %d payments totalling %s, but lists %d payments totalling %s'
                       % (flow.flow_id, flow.count, format_cents(flow.total_cents), count,
                          format_cents(flow.net_cents)))
