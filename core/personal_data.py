"""Numbers that identify a person (a CNIC, a phone number) in free text: found, to keep them out of URLs and logs."""

from __future__ import annotations

import re


def _numbers(*, separator: str, plus: str, digit: str = r"\d") -> re.Pattern[str]:
    # Ten or more digits, each optionally after one separator, with an optional leading plus: 35202-1234567-3,
    # 3520212345673, 0300 1234567, +92 300 1234567, 923001234567. Our references (VPN-2026-000009) hold ten digits
    # too, so they are matched first, to be left alone. \d takes Urdu (Eastern Arabic) digits as well.
    return re.compile(
        rf"(?P<reference>\bVPN-\d{{4}}-\d{{6}}\b)|(?:{plus})?{digit}(?:(?:{separator})?{digit}){{9,}}", re.I
    )


_IN_TEXT = _numbers(separator="[ -]", plus=r"\+")
# In a query string as browsers send it: a space is + or %20, a plus %2B, and an Urdu or Arabic digit two escapes
# (U+06F0-06F9 is %DB%B0-%DB%B9, U+0660-0669 %D9%A0-%D9%A9).
_ENCODED_DIGIT = r"%DB%B[0-9]|%D9%A[0-9]"
_IN_QUERY = _numbers(separator="[ +-]|%20|%2D", plus=r"\+|%2B", digit=rf"(?:\d|{_ENCODED_DIGIT})")
_DIGIT_OR_ESCAPE = re.compile(rf"({_ENCODED_DIGIT})|(%[0-9A-F]{{2}})|\d", re.I)


def contains_personal_number(text: str) -> bool:
    return any(match["reference"] is None for match in _IN_TEXT.finditer(text))


def mask_personal_numbers(text: str) -> str:
    """`text` with every digit of a CNIC or phone number replaced by `*`."""
    return _IN_TEXT.sub(_mask, text)


def mask_personal_numbers_in_query(query: str) -> str:
    """The same for a URL's query string, as it arrives (percent-encoded): cheaper than decoding it first."""
    return _IN_QUERY.sub(_mask, query)


def _mask(match: re.Match[str]) -> str:
    if match["reference"]:
        return match[0]
    return _DIGIT_OR_ESCAPE.sub(lambda part: part[2] or "*", match[0])
