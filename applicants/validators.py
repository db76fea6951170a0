"""Identity number rules: CNIC and NTN parsing, formatting and masking."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits

# Every message the validators give, by code, so a stored finding can be shown again in any language.
MESSAGES = {
    "cnic_format": _("Enter the CNIC as 13 digits, with or without dashes, for example 35202-1234567-3."),
    "cnic_province": _("A CNIC starts with a province code from 1 to 7; %(digit)s is not one."),
    "ntn_format": _("Enter the NTN as 7 digits, optionally followed by its check digit, for example 1234567-8."),
    "phone_invalid": _("Enter a valid mobile number, for example 0300 1234567."),
    "phone_not_pk": _("Enter a Pakistani mobile number (starting 03 or +92 3)."),
    "phone_not_mobile": _("This looks like a landline; enter a mobile number that can receive SMS."),
}


def _invalid(code: str, **params: str) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


# ASCII digits only: Urdu and Arabic ones are translated first, and no other kind may be stored.
_CNIC_DASHED = re.compile(r"^(\d{5})-(\d{7})-(\d)$", re.ASCII)
_CNIC_PLAIN = re.compile(r"^\d{13}$", re.ASCII)
_NTN = re.compile(r"^(\d{7})(?:-?(\d))?$", re.ASCII)
# Only digits and the separators people type: phonenumbers would otherwise find a number inside any text.
_PHONE_TYPED = re.compile(r"^\+?[\d\s-]+$")


def normalize_cnic(value: str) -> str:
    """Return the 13 digits of a CNIC given as `12345-1234567-1` or `1234512345671`, in ASCII digits."""
    text = ascii_digits((value or "").strip())
    match = _CNIC_DASHED.match(text)
    digits = "".join(match.groups()) if match else text
    if not _CNIC_PLAIN.match(digits):
        raise _invalid("cnic_format")
    if digits[0] not in "1234567":
        raise _invalid("cnic_province", digit=digits[0])
    return digits


def validate_cnic(value: str) -> None:
    """A CNIC as stored: what normalize_cnic returns, never the text as typed."""
    if normalize_cnic(value) != value:
        raise _invalid("cnic_format")


def format_cnic(digits: str) -> str:
    return f"{digits[:5]}-{digits[5:12]}-{digits[12:]}" if len(digits) == 13 else digits


def mask_cnic(digits: str) -> str:
    """Show the district prefix and check digit only, as lists and logs must."""
    return f"{digits[:5]}-*******-{digits[12:]}" if len(digits) == 13 else ""


def normalize_ntn(value: str) -> str:
    """Return an NTN as `1234567` or, with its check digit, `1234567-8`, in ASCII digits."""
    text = ascii_digits((value or "").strip())
    match = _NTN.match(text)
    if not match:
        raise _invalid("ntn_format")
    base, check = match.groups()
    return f"{base}-{check}" if check else base


def validate_ntn(value: str) -> None:
    """An NTN as stored: what normalize_ntn returns, never the text as typed."""
    if normalize_ntn(value) != value:
        raise _invalid("ntn_format")


def validate_pk_mobile(number: object) -> None:
    """A Pakistani mobile number (03xx…), not a landline or a foreign number."""
    if not isinstance(number, phonenumbers.PhoneNumber) or not phonenumbers.is_valid_number(number):
        raise _invalid("phone_invalid")
    if phonenumbers.region_code_for_number(number) != "PK":
        raise _invalid("phone_not_pk")
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise _invalid("phone_not_mobile")


def cnic_in_search(term: str) -> str | None:
    """The 13 digits of a CNIC typed with or without dashes or spaces; None for any other term."""
    digits = re.sub(r"[\s-]", "", ascii_digits(term))
    return digits if _CNIC_PLAIN.match(digits) else None


def phone_in_search(term: str) -> str | None:
    """A Pakistani number typed as 03001234567, 0300 1234567, +923001234567 or 923001234567, in E.164."""
    if not _PHONE_TYPED.match(term.strip()):
        return None
    try:
        number = phonenumbers.parse(term, "PK")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "PK":
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(value: object) -> str:
    text = str(value or "")
    return f"{text[:6]}*****{text[-2:]}" if len(text) > 8 else ""
