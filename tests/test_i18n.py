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
