"""What a merchant or cashier typed or swiped to find a prepaid wallet.

A wallet is found by its personal access number (PAN: ten digits, the last a Luhn
check digit), by the number of a smart card the beneficiary carries (the Italian
health card / CNS, read by a keyboard-wedge reader that types the card's magnetic
track), or by the beneficiary's name. Nothing here touches the database.
"""
import re

from stdnum import luhn

PAN_LENGTH = 10
CARD_MIN, CARD_MAX = 12, 24
NAME_MIN = 3
# ";<digits>=...?" (ISO 7813 track 2) and "%B<digits>^NAME^...?" (track 1): only the
# card number is kept, never the name or the rest of the track
_TRACK2 = re.compile(r';(\d{%d,%d})[=?]' % (CARD_MIN, CARD_MAX))
_TRACK1 = re.compile(r'%%[A-Z](\d{%d,%d})\^' % (CARD_MIN, CARD_MAX))
_SEPARATORS = re.compile(r'[\s\-./]')


def luhn_valid(digits):
    """Does the last digit of ``digits`` check the others (Luhn, mod 10)?"""
    return bool(digits) and digits.isdigit() and luhn.is_valid(digits)


def normalize_card_number(text):
    """The card number in a swiped track or a typed number, digits only, or ''."""
    text = (text or '').strip().upper()
    track = _TRACK2.search(text) or _TRACK1.search(text)
    if track:
        return track.group(1)
    compact = _SEPARATORS.sub('', text)
    return compact if compact.isdigit() and CARD_MIN <= len(compact) <= CARD_MAX else ''


def classify(text):
    """('pan', digits) | ('bad_pan', digits) | ('card', digits) | ('name', text) | ('short', text):
    how to look the text up. A ten-digit number is a PAN whatever else it might be."""
    text = (text or '').replace('\x00', '').strip()
    compact = _SEPARATORS.sub('', text)
    if compact.isdigit() and len(compact) == PAN_LENGTH:
        return ('pan' if luhn_valid(compact) else 'bad_pan', compact)
    card = normalize_card_number(text)
    if card:
        return 'card', card
    if compact.isdigit() or text[:1] in ';%':
        return 'short', text
    name = ' '.join(text.split())
    if len(name.replace(' ', '')) < NAME_MIN:
        return 'short', name
    return 'name', name


def initials(name):
    """'Giulia Bianchi' -> 'G. B.': what a merchant may see of a person's name."""
    return ' '.join(word[0].upper() + '.' for word in (name or '').replace('-', ' ').split() if word[:1].isalpha())


class MissCounter:
    """Lookups that found nothing, per key (a user) in a sliding window: past ``limit``
    misses the key is blocked until the oldest miss leaves the window, so nobody can
    walk through PANs or card numbers by trial. Per worker process."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self._misses = {}

    def _recent(self, key, now):
        misses = [t for t in self._misses.get(key, ()) if now - t < self.window]
        if misses:
            self._misses[key] = misses
        else:
            self._misses.pop(key, None)
        return misses

    def blocked(self, key, now):
        return len(self._recent(key, now)) >= self.limit

    def miss(self, key, now):
        self._misses[key] = self._recent(key, now) + [now]
        if len(self._misses) > 10000:  # forget idle users
            for stale in [k for k, v in self._misses.items() if now - v[-1] >= self.window]:
                del self._misses[stale]
