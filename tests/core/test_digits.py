from hypothesis import given
from hypothesis import strategies as st

from core.digits import ascii_digits
from tests.factories import arabic_digits, urdu_digits


def test_urdu_and_arabic_digits_become_ascii():
    assert ascii_digits(urdu_digits("0123456789")) == "0123456789"
    assert ascii_digits(arabic_digits("0123456789")) == "0123456789"
    assert ascii_digits(urdu_digits("39.3") + arabic_digits("2.10") + ".0/24") == "39.32.10.0/24"


def test_separators_and_other_digits_are_left_as_typed():
    # Arabic decimal separator and full stop; Devanagari and fullwidth digits
    for text in ("\u066b", "\u06d4", "\u0969\u096f", "\uff13\uff19"):
        assert ascii_digits(text) == text


@given(st.text())
def test_nothing_but_those_digits_changes(text):
    translated = ascii_digits(text)
    assert len(translated) == len(text)
    for before, after in zip(text, translated, strict=True):
        assert after == before or ("\u06f0" <= before <= "\u06f9" or "\u0660" <= before <= "\u0669")
