"""Mobile numbers (MSISDNs) as applicants type them: normalised to E.164, Pakistani mobiles only, and the operator
the numbering plan gives a prefix (portability means a mismatch is only a warning)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applicants.models import MobileOperator
from applicants.validators import validate_pk_mobile
from core.digits import ascii_digits

Operator = MobileOperator  # the networks a number can be on


# The mobile codes (the digits after +92) each operator was given; Warid's 032x went to Jazz, Onic is Ufone's 0339.
_PREFIXES = {
    **{f"30{digit}": Operator.JAZZ for digit in "0123456789"},
    **{f"32{digit}": Operator.JAZZ for digit in "0123456789"},
    **{f"31{digit}": Operator.ZONG for digit in "0123456789"},
    **{f"33{digit}": Operator.UFONE for digit in "012345678"},
    "339": Operator.ONIC,
    **{f"34{digit}": Operator.TELENOR for digit in "0123456789"},
    "355": Operator.SCO,
}
_TYPED = re.compile(r"^\+?[\d\s()-]+$")
MESSAGE = _("Enter a Pakistani mobile number, such as 0300 1234567.")


def normalise_msisdn(text: str) -> str:
    """`+923001234567` for `0300-1234567`, `92 300 1234567` or the same in Urdu digits; ValidationError else."""
    typed = ascii_digits((text or "").strip())
    if not _TYPED.match(typed):
        raise ValidationError(MESSAGE, code="msisdn_invalid")
    try:
        number = phonenumbers.parse(typed, "PK")
    except phonenumbers.NumberParseException:
        raise ValidationError(MESSAGE, code="msisdn_invalid") from None
    validate_pk_mobile(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def operator_of(msisdn: str) -> str | None:
    """The operator the numbering plan gives this number's prefix, or None where it gives none we know."""
    return _PREFIXES.get(msisdn.removeprefix("+92")[:3])


def mask_msisdn(msisdn: str) -> str:
    """`+92300*****67`: enough for its owner to recognise, not enough to call."""
    return f"{msisdn[:6]}*****{msisdn[-2:]}" if len(msisdn) >= 10 else "*****"


@dataclass(frozen=True)
class MobileNumber:
    """A number an applicant registers (E.164) and the operator they name for it."""

    msisdn: str
    operator: str
