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
from core.bidi import isolate
from core.digits import ascii_digits
from core.networks import LineError

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
# The forms the schema states: +92 300 1234567, 0300-1234567, 03001234567 (the prefixes normalise_msisdn takes).
PATTERN = r"^(\+92|0092|92|0)?[ -]?3([0-2][0-9]|3[0-79]|4[0-9]|55|64|7[0-9])[ -]?[0-9]{3}[ -]?[0-9]{4}$"
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


def national_format(msisdn: str) -> str:
    """`0300 1234567`: the number as an applicant writes it."""
    return phonenumbers.format_number(phonenumbers.parse(msisdn, "PK"), phonenumbers.PhoneNumberFormat.NATIONAL)


def number_line(number: MobileNumber) -> str:
    """A number as a line of the registration form: the operator written only when the prefix does not say it."""
    line = national_format(number.msisdn)
    return line if operator_of(number.msisdn) == number.operator else f"{line} {Operator(number.operator).label}"


OPERATOR_NAMES = ", ".join(str(label) for label in Operator.labels)


def _operator_named(word: str) -> str | None:
    wanted = word.strip("()[],;:.-").casefold()
    return next((value for value, label in Operator.choices if wanted in {value, str(label).casefold()}), None)


def parse_number_lines(text: str) -> tuple[list[MobileNumber], list[LineError]]:
    """One number per line, its operator read from the prefix unless named after it (`0300 1234567 Zong`): a
    ported number keeps its prefix. A named operator other than the prefix's is the applicant's say, not an
    error. Blank lines are skipped; errors name the line."""
    numbers: list[MobileNumber] = []
    errors: list[LineError] = []
    first_seen: dict[str, int] = {}
    for line_number, line in enumerate((text or "").splitlines(), start=1):
        typed = line.strip()
        if not typed:
            continue
        words = typed.split()
        named = words.pop() if len(words) > 1 and any(char.isalpha() for char in words[-1]) else None
        try:
            msisdn = normalise_msisdn(" ".join(words))
        except ValidationError as error:
            errors.append(
                LineError(line_number, _("“%(value)s”: %(why)s") % {"value": isolate(typed), "why": error.messages[0]})
            )
            continue
        operator = _operator_named(named) if named else operator_of(msisdn)
        if operator is None:
            message = (
                _("“%(value)s” is not a mobile operator: write %(operators)s.")
                if named
                else _(
                    "We cannot tell the operator of %(value)s from its prefix: write it after the number "
                    "(%(operators)s)."
                )
            ) % {"value": isolate(named or national_format(msisdn)), "operators": OPERATOR_NAMES}
        elif msisdn in first_seen:
            message = _("%(number)s is already on line %(line)s.") % {
                "number": isolate(national_format(msisdn)),
                "line": first_seen[msisdn],
            }
        else:
            first_seen[msisdn] = line_number
            numbers.append(MobileNumber(msisdn, operator))
            continue
        errors.append(LineError(line_number, message))
    return numbers, errors
