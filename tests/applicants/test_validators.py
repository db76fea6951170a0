import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from applicants.forms import MobileField
from applicants.validators import (
    cnic_in_search,
    format_cnic,
    mask_cnic,
    normalize_cnic,
    normalize_ntn,
    phone_in_search,
    validate_cnic,
    validate_ntn,
    validate_pk_mobile,
)
from tests.factories import arabic_digits, urdu_digits

valid_cnic_digits = st.from_regex(r"\A[1-7][0-9]{12}\Z")


@given(valid_cnic_digits)
def test_cnic_with_or_without_dashes_normalises_to_the_same_13_digits(digits):
    assert normalize_cnic(digits) == digits
    assert normalize_cnic(format_cnic(digits)) == digits
    assert normalize_cnic(f"  {format_cnic(digits)} ") == digits


@given(valid_cnic_digits)
def test_masked_cnic_hides_the_seven_middle_digits(digits):
    masked = mask_cnic(digits)
    assert masked == f"{digits[:5]}-*******-{digits[12]}"
    assert digits[5:12] not in masked.replace("-", "")[5:]


@given(st.from_regex(r"\A[089][0-9]{12}\Z"))
def test_cnic_outside_province_codes_is_refused_naming_the_digit(digits):
    with pytest.raises(ValidationError) as error:
        normalize_cnic(digits)
    assert error.value.code == "cnic_province"
    assert f"{digits[0]} is not one" in str(error.value.message % error.value.params)


@given(st.text(max_size=20).filter(lambda t: not t.strip().replace("-", "").isdigit()))
def test_cnic_that_is_not_digits_is_refused_with_an_example(text):
    with pytest.raises(ValidationError) as error:
        normalize_cnic(text)
    assert "35202-1234567-3" in str(error.value.message)


@pytest.mark.parametrize(
    "value", ["35202-12345673", "3520-21234567-3", "352021234567", "35202123456734", "35202 1234567 3"]
)
def test_cnic_with_wrong_grouping_or_length_is_refused(value):
    with pytest.raises(ValidationError):
        normalize_cnic(value)


def test_cnic_is_shown_dashed():
    assert format_cnic("3520212345673") == "35202-1234567-3"
    assert mask_cnic("3520212345673") == "35202-*******-3"


@given(st.from_regex(r"\A[0-9]{7}\Z"), st.one_of(st.none(), st.from_regex(r"\A[0-9]\Z")))
def test_ntn_is_seven_digits_with_an_optional_check_digit(base, check):
    if check is None:
        assert normalize_ntn(base) == base
    else:
        assert normalize_ntn(f"{base}-{check}") == f"{base}-{check}"
        assert normalize_ntn(f"{base}{check}") == f"{base}-{check}"


@pytest.mark.parametrize("value", ["123456", "123456789", "12345a7", "1234567-", "1234567-89", ""])
def test_malformed_ntn_is_refused_with_an_example(value):
    with pytest.raises(ValidationError) as error:
        normalize_ntn(value)
    assert "1234567-8" in str(error.value.message)


@given(st.sampled_from(["300", "301", "311", "321", "331", "345", "355"]), st.from_regex(r"\A[0-9]{7}\Z"))
def test_pakistani_mobile_numbers_pass(prefix, rest):
    validate_pk_mobile(phonenumbers.parse(f"0{prefix}{rest}", "PK"))


@pytest.mark.parametrize(
    ("number", "code"),
    [("04235761234", "phone_not_mobile"), ("+14155550100", "phone_not_pk"), ("0300123", "phone_invalid")],
)
def test_landline_foreign_and_short_numbers_are_refused(number, code):
    with pytest.raises(ValidationError) as error:
        validate_pk_mobile(phonenumbers.parse(number, "PK"))
    assert error.value.code == code


@pytest.mark.parametrize(
    "value", [urdu_digits("35202-1234567-3"), arabic_digits("3520212345673"), "35202-" + urdu_digits("1234567-3")]
)
def test_cnic_in_urdu_arabic_or_mixed_digits_is_normalised_to_ascii(value):
    assert normalize_cnic(value) == "3520212345673"
    assert cnic_in_search(value.replace("-", " ")) == "3520212345673"


def test_cnic_province_is_named_in_ascii_and_other_digits_are_refused():
    with pytest.raises(ValidationError) as error:
        normalize_cnic(urdu_digits("9520212345673"))
    assert (error.value.code, error.value.params) == ("cnic_province", {"digit": "9"})
    with pytest.raises(ValidationError) as error:
        normalize_cnic("\u0969" * 13)  # Devanagari: not typed on our applicants' keyboards, never stored
    assert error.value.code == "cnic_format"


@pytest.mark.parametrize(
    ("value", "ntn"),
    [
        (urdu_digits("1234567-8"), "1234567-8"),
        (arabic_digits("1234567"), "1234567"),
        ("12345" + urdu_digits("678"), "1234567-8"),
    ],
)
def test_ntn_in_urdu_arabic_or_mixed_digits_is_normalised_to_ascii(value, ntn):
    assert normalize_ntn(value) == ntn


@pytest.mark.parametrize(
    ("validate", "value"),
    [
        (validate_cnic, urdu_digits("3520212345673")),
        (validate_cnic, "35202-1234567-3"),
        (validate_ntn, arabic_digits("1234567")),
        (validate_ntn, "12345678"),
    ],
)
def test_model_validators_accept_only_the_stored_form(validate, value):
    with pytest.raises(ValidationError):
        validate(value)


def test_model_validators_pass_normalised_values():
    validate_cnic("3520212345673")
    validate_ntn("1234567-8")
    validate_ntn("1234567")


@pytest.mark.parametrize(
    "value", [urdu_digits("0300 1234567"), arabic_digits("0300-1234567"), urdu_digits("+92 300") + " 1234567"]
)
def test_mobile_in_urdu_or_arabic_digits_is_parsed_and_searched(value):
    # phonenumbers reads these digits itself; the form field and the search rely on it.
    assert MobileField().clean(value).as_e164 == "+923001234567"
    assert phone_in_search(value) == "+923001234567"
