"""Digits typed on an Urdu or Arabic keyboard, read as the ASCII digits they are."""

from __future__ import annotations

# Extended Arabic-Indic (U+06F0 to U+06F9: Urdu and Persian keyboards) and Arabic-Indic (U+0660 to U+0669) digits.
# U+066B ARABIC DECIMAL SEPARATOR and U+06D4 ARABIC FULL STOP are left alone: reading them as dots is a guess.
_TO_ASCII = {first + value: str(value) for first in (0x06F0, 0x0660) for value in range(10)}


def ascii_digits(text: str) -> str:
    """`text` with every Urdu or Arabic digit replaced by its ASCII digit; nothing else changes."""
    return text.translate(_TO_ASCII)
