"""Urdu is shipped whole: every string translated with its placeholders intact, pages right-to-left."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

PO = Path(settings.BASE_DIR) / "locale/ur/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def po_entries() -> list[tuple[str, list[str]]]:
    """(msgid, translations) for every entry; continuation lines are joined."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        strings: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            keyword = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if keyword:
                key, strings[keyword.group(1)] = keyword.group(1), keyword.group(2)
            elif key and line.startswith('"'):
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            entries.append((strings["msgid"], [v for k, v in strings.items() if k.startswith("msgstr")]))
    return entries


def test_every_urdu_string_is_translated_with_the_same_placeholders():
    entries = po_entries()
    assert len(entries) > 300
    for msgid, translations in entries:
        for text in translations:
            assert text, f"untranslated: {msgid}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), msgid
    assert "fuzzy" not in PO.read_text(encoding="utf-8").split("\n\n", 1)[1]


@pytest.mark.django_db
def test_urdu_pages_are_right_to_left_and_in_urdu(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    page = client.get(reverse("applicants:login")).content.decode()
    assert '<html lang="ur" dir="rtl">' in page
    assert "سائن اِن" in page


@pytest.mark.django_db
def test_language_switch_and_urdu_validation_errors(client):
    response = client.post(
        reverse("set_language"), {"language": "ur", "next": reverse("applicants:sign_up_freelancer")}
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    page = client.post(reverse("applicants:sign_up_freelancer"), {"cnic": "95202-1234567-3"}).content.decode()
    assert 'dir="rtl"' in page
    with translation.override("ur"):
        expected = gettext("A CNIC starts with a province code from 1 to 7; %(digit)s is not one.") % {"digit": "9"}
    assert expected in page


# Placeholders that hold addresses, numbers, references, dates or codes: left to right inside Urdu sentences.
LEFT_TO_RIGHT = {
    "reference", "references", "network", "counter", "count", "limit", "date", "time", "minutes", "days", "email",
    "new_email", "mobile", "size", "row", "rows", "line", "total", "accepted", "rejected", "processed", "warned",
    "percent", "url", "digit", "prefix", "shortest", "number", "index", "meant", "value",
}  # fmt: skip
URDU_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_urdu_keeps_numbers_addresses_and_references_left_to_right():
    """Each such placeholder in an Urdu message is isolated (LRI…PDI, FSI…PDI or inside <bdi>), in emails and SMS
    as on pages, unless it sits inside an HTML attribute."""
    unisolated = []
    for msgid, translations in po_entries():
        for text in translations:
            for match in URDU_PLACEHOLDER.finditer(text):
                before = text[: match.start()]
                if match.group(1) not in LEFT_TO_RIGHT or before.rfind("<") > before.rfind(">"):
                    continue
                isolates = max(before.rfind("\u2066"), before.rfind("\u2068")) > before.rfind("\u2069")
                if not (isolates or before.rfind("<bdi") > before.rfind("</bdi>")):
                    unisolated.append(f"{match.group(0)} in {msgid[:70]}")
    assert not unisolated, "\n".join(unisolated)
