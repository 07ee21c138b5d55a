"""Where a billing system keeps each value in its messages, amounts in cents, and
when to try again. Pure Python (no Odoo, no network): the clients and the outbox use it.

A REST mapping is a JSON path: dotted names with optional ``[n]`` list indexes and an
optional leading ``$.`` (``$.data.customer.name``, ``items[0].cents``). A SOAP mapping
is an element name, looked up anywhere in the answer (``CustomerName``).
"""
import random
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_STEP = re.compile(r'([^.\[\]\s]+)|\[(\d+)\]')
_PATH = re.compile(r'(?:[^.\[\]\s]+|\[\d+\])(?:\.[^.\[\]\s]+|\[\d+\])*')
_NAME = re.compile(r'[A-Za-z_][\w\-]*')


class MappingError(ValueError):
    """A mapped value is missing from an answer, or is not what the mapping says."""


def parse_path(path):
    """The steps of a JSON path: names (str) and list indexes (int)."""
    text = (path or '').strip()
    if text.startswith('$'):
        text = text[1:].lstrip('.')
    if not text:
        raise MappingError('an empty JSON path')
    if not _PATH.fullmatch(text):
        raise MappingError('%r is not a JSON path' % path)
    steps = [name if name else int(index) for name, index in _STEP.findall(text)]
    return steps


def get_path(data, path):
    """The value at ``path`` in ``data``; MappingError when it is not there."""
    value = data
    for step in parse_path(path):
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                raise MappingError('no %r in the answer' % path)
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                raise MappingError('no %r in the answer' % path)
            value = value[step]
    return value


def set_path(data, path, value):
    """Put ``value`` at ``path`` in the dict ``data``, creating the objects on the way
    (a request path has names only)."""
    steps = parse_path(path)
    if any(isinstance(step, int) for step in steps):
        raise MappingError('%r: a request path cannot index a list' % path)
    target = data
    for step in steps[:-1]:
        target = target.setdefault(step, {})
        if not isinstance(target, dict):
            raise MappingError('%r crosses another mapped value' % path)
    if steps[-1] in target:
        raise MappingError('%r is mapped twice' % path)
    target[steps[-1]] = value
    return data


def check_element_name(name):
    if not name or not _NAME.fullmatch(name):
        raise MappingError('%r is not an XML element name' % name)
    return name


def find_element(data, name):
    """The first value named ``name`` in a nested answer (depth first); MappingError if none."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if name in value:
                return value[name]
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    raise MappingError('no element %r in the answer' % name)


def to_cents(amount, digits=2):
    """An amount in integer minor units (half up), as the wire wants it."""
    try:
        return int(Decimal(str(amount)).scaleb(digits).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        raise MappingError('%r is not an amount' % (amount,)) from None


def cents_value(value):
    """The integer number of cents a remote sent (an integer, or a string of digits)."""
    if isinstance(value, bool):
        raise MappingError('%r is not a number of cents' % (value,))
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r'\s*-?\d+\s*', value):
        return int(value)
    raise MappingError('%r is not a number of cents' % (value,))


def from_cents(cents, digits=2):
    return float(Decimal(cents_value(cents)).scaleb(-digits))


def text_value(value, what):
    if value is None or isinstance(value, (dict, list)) or not str(value).strip():
        raise MappingError('%s is empty or not a text' % what)
    return ' '.join(str(value).split())


def backoff_delay(attempt, base=60, cap=6 * 3600, rng=None):
    """Seconds to wait after ``attempt`` failed tries: base × 2^(attempt − 1), at most
    ``cap``, of which the upper half is jitter (so queues that failed together do not
    all come back at the same second)."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay / 2 + (rng or random.random)() * delay / 2
