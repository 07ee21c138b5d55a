"""The Italian, German and Polish catalogues of the add-ons (addons/*/i18n): each
translates every entry of its module's template, keeps the placeholders, HTML tags and
QWeb expressions of the English text, and carries nothing fuzzy or obsolete. The
citizen-facing modules must have catalogues at all."""
import collections
import pathlib
import re

import pytest

polib = pytest.importorskip('polib')  # an Odoo requirement

ADDONS = pathlib.Path(__file__).resolve().parent.parent / 'addons'
LANGS = ('it', 'de', 'pl')
# the modules whose texts officers or citizens read; a new module joins once it has strings to translate
TRANSLATED = ('munipay_base', 'munipay_documents', 'munipay_bank', 'munipay_pagopa', 'munipay_portal', 'munipay_cashdesk',
              'munipay_merchant', 'munipay_kiosk', 'munipay_portal_pagopa', 'munipay_billing',
              'munipay_demo')

PY_FORMAT = re.compile(r'%\([a-zA-Z_]\w*\)[sdfr]|%[sdfr]')
BRACES = re.compile(r'\{\{.*?\}\}|\{[^{}]*\}')
TAG = re.compile(r'</?[a-zA-Z][^>]*>')
# attributes Odoo translates inside a term's tags
TRANSLATED_ATTR = re.compile(r'\s(title|alt|placeholder|aria-label|string|help)="[^"]*"')


def catalogues():
    for i18n in sorted(ADDONS.glob('*/i18n')):
        for lang in LANGS:
            yield pytest.param(i18n.parent.name, lang, id=f'{i18n.parent.name}-{lang}')


def marks(text):
    """What a translation must carry over unchanged from the English text."""
    return (collections.Counter(PY_FORMAT.findall(text)), collections.Counter(BRACES.findall(text)),
            collections.Counter(TRANSLATED_ATTR.sub('', tag) for tag in TAG.findall(text)), text.endswith('\n'))


@pytest.mark.parametrize('module', TRANSLATED)
def test_module_has_template_and_catalogues(module):
    i18n = ADDONS / module / 'i18n'
    assert (i18n / f'{module}.pot').is_file(), f'{module} has no translation template'
    for lang in LANGS:
        assert (i18n / f'{lang}.po').is_file(), f'{module} has no {lang}.po'


@pytest.mark.parametrize('module,lang', catalogues())
def test_catalogue_translates_its_template(module, lang):
    i18n = ADDONS / module / 'i18n'
    template = polib.pofile(str(i18n / f'{module}.pot'))
    catalogue = polib.pofile(str(i18n / f'{lang}.po'))
    assert catalogue.metadata.get('Language') == lang
    assert not catalogue.obsolete_entries()
    assert not catalogue.fuzzy_entries()
    translated = {(e.msgctxt, e.msgid): e.msgstr for e in catalogue if e.msgstr}
    missing = [e.msgid for e in template if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f'{len(missing)} untranslated, e.g. {missing[:3]}'
    extra = [e.msgid for e in catalogue if (e.msgctxt, e.msgid) not in {(t.msgctxt, t.msgid) for t in template}]
    assert not extra, f'entries no longer in the template: {extra[:3]}'
    broken = [e.msgid for e in catalogue if marks(e.msgid) != marks(e.msgstr)]
    assert not broken, f'placeholders, tags or expressions changed in {broken[:3]}'


def test_marks_catch_a_lost_placeholder_and_a_changed_tag():
    assert marks('Pay %(amount)s by {{ object.name }}') != marks('Paga entro {{ object.name }}')
    assert marks('<i class="fa fa-download"/> Receipt') != marks('<i class="fa"/> Ricevuta')
    assert marks('<img alt="Logo"/> x') == marks('<img alt="Stemma"/> y')
