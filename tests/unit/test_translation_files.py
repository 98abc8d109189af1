"""Each addon ships complete Dutch and French translations of its .pot, with every placeholder kept.

A placeholder lost or mistyped in a translation (``%(order)s``, ``%%``, a tag of a view, a
``{{ }}`` of a mail subject) breaks the message only for the customers who read that language,
so it is checked here, against the template, for every term.
"""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDONS = ("icasa_ev_billing", "icasa_ev_subscription", "icasa_partner_invoicing")
LANGS = ("nl", "fr")
# printf placeholders, literal percent signs, XML tags (with their attributes), {{ }} expressions
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|%%|<[^>]+>|\{\{.*?\}\}")


@pytest.mark.parametrize("addon", ADDONS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_term_translated_with_its_placeholders(addon, lang):
    pot = polib.pofile(str(ROOT / addon / "i18n" / f"{addon}.pot"))
    po = {entry.msgid: entry.msgstr for entry in polib.pofile(str(ROOT / addon / "i18n" / f"{lang}.po"))}
    untranslated = [entry.msgid for entry in pot if not po.get(entry.msgid)]
    assert not untranslated, f"{addon}/i18n/{lang}.po lacks {len(untranslated)} term(s): {untranslated[:5]}"
    for entry in pot:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        assert sorted(PLACEHOLDER.findall(po[entry.msgid])) == expected, f"{lang}: {entry.msgid!r}"
        # a leading or trailing newline must match, or msgfmt -c refuses the file
        assert po[entry.msgid].startswith("\n") == entry.msgid.startswith("\n"), f"{lang}: {entry.msgid!r}"
        assert po[entry.msgid].endswith("\n") == entry.msgid.endswith("\n"), f"{lang}: {entry.msgid!r}"


def test_percent_placeholders_of_a_code_term_format():
    """Spot check: a code term's translation formats with the same arguments."""
    po = polib.pofile(str(ROOT / "icasa_ev_billing" / "i18n" / "nl.po"))
    term = next(e for e in po if e.msgid.startswith("Milestone %(milestone)s of %(order)s has a share of %(share)s%%"))
    text = term.msgstr % {"milestone": "Installatie", "order": "S00042", "share": "120"}
    assert text.startswith("Mijlpaal Installatie van S00042 heeft een aandeel van 120%")
