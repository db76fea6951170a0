"""Text from users shown inside our sentences, kept from reordering them (Unicode bidi isolation)."""

from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString

FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
# Embeddings, overrides and isolates. Inside an isolate only a stray isolate mark could escape it, but a reader
# that predates isolates (an old phone, a mail client) would let an override (U+202E) run on: none are kept.
_EXPLICIT_DIRECTION_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolate(text: object) -> str:
    """`text` for plain text (emails, SMS, messages, reasons): between FSI and PDI, its own direction marks removed."""
    return f"{FIRST_STRONG_ISOLATE}{_EXPLICIT_DIRECTION_MARKS.sub('', str(text))}{POP_DIRECTIONAL_ISOLATE}"


def bdi_html(text: object) -> SafeString:
    """`text` for HTML: escaped, in a <bdi> element, which isolates whatever it holds."""
    return format_html("<bdi>{}</bdi>", text)


def ltr_html(text: object) -> SafeString:
    """A number or address for HTML: left to right and isolated, so `35202-1234567-3` stays whole in Urdu."""
    return format_html('<bdi dir="ltr">{}</bdi>', text)
