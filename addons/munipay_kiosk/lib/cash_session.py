"""What the kiosk page reports of a bill acceptor session (the device bridge's JSON),
checked before anything is booked. No ORM here: the add-on maps the error codes to
translated messages."""
import datetime
import re

KEY = re.compile(r'^[A-Za-z0-9._:-]{1,80}$')
FINAL_STATES = ('paid', 'stopped', 'failed', 'interrupted')


class SessionError(ValueError):
    """``code`` says what is wrong: bad_key, not_final, bad_currency, bad_amount, bills_mismatch."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _cents(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SessionError('bad_amount')
    return value


def check_session(session, key, currency):
    """The money a final session counted: ``(inserted cents, {bill cents: count})``.

    ``session`` is the bridge's session object for ``key``; every banknote it lists
    is of ``currency`` and together they make ``inserted``."""
    if not isinstance(key, str) or not KEY.match(key):
        raise SessionError('bad_key')
    if not isinstance(session, dict) or session.get('session_id') != key:
        raise SessionError('bad_key')
    if session.get('final') is not True or session.get('state') not in FINAL_STATES:
        raise SessionError('not_final')
    if session.get('currency') != currency:
        raise SessionError('bad_currency')
    inserted = _cents(session.get('inserted'))
    bills = session.get('bills')
    if not isinstance(bills, list):
        raise SessionError('bills_mismatch')
    counts = {}
    for bill in bills:
        if not isinstance(bill, dict) or bill.get('currency', currency) != currency:
            raise SessionError('bad_currency')
        amount = _cents(bill.get('amount'))
        counts[amount] = counts.get(amount, 0) + 1
    if sum(amount * count for amount, count in counts.items()) != inserted:
        raise SessionError('bills_mismatch')
    return inserted, counts


def initials(name):
    """'Maria Anna Rossi' -> 'M. A. R.': all the kiosk screen shows of a payer."""
    words = [w for w in re.split(r"[\s,.'-]+", name or '') if w and w[0].isalpha()]
    return ' '.join('%s.' % w[0].upper() for w in words[:4])


def finished_at(session):
    """When the session ended by the bridge's clock (its last change, ``…Z`` UTC), as a
    naive UTC datetime, or None when the session carries no readable time."""
    stamp = session.get('updated_at') if isinstance(session, dict) else None
    try:
        return datetime.datetime.strptime(str(stamp), '%Y-%m-%dT%H:%M:%SZ')
    except ValueError:
        return None
