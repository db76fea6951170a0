import ipaddress

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.networks import NetworkError, display_network, parse_network, parse_network_lines
from tests.factories import arabic_digits, urdu_digits


@given(st.ip_addresses())
def test_any_address_parses_to_its_single_address_network(address):
    network = parse_network(str(address))
    if address.version == 6 and address.ipv4_mapped:
        assert network == ipaddress.ip_network(address.ipv4_mapped)
    else:
        assert network == ipaddress.ip_network(address)
        assert display_network(network) == str(address)


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_networks_round_trip_through_their_canonical_text(address, prefix):
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    assert parse_network(str(network)) == network


def test_host_bits_set_names_the_network_meant():
    with pytest.raises(NetworkError) as error:
        parse_network("203.0.113.7/24")
    assert "203.0.113.0/24" in error.value.message


@pytest.mark.parametrize(
    "text", ["300.1.1.1", "1.2.3", "hello", "1.2.3.4/33", "2001:db8::/129", "1.2.3.4/", "010.1.1.300"]
)
def test_invalid_text_is_refused_with_examples(text):
    with pytest.raises(NetworkError) as error:
        parse_network(text)
    assert "2001:db8::/48" in error.value.message


@pytest.mark.parametrize(
    ("text", "zone"), [("fe80::1%eth0", "%eth0"), ("2400:fc00::1%25", "%25"), ("2400:fc00::/48%1", "%1")]
)
def test_an_ipv6_zone_id_is_refused_naming_it(text, zone):
    # Python's ipaddress takes "fe80::1%eth0" for an address; PostgreSQL's cidr refuses it.
    with pytest.raises(NetworkError) as error:
        parse_network(text)
    assert error.value.code == "zone_id"
    assert f"ends in a zone id ({zone})" in error.value.message


@pytest.mark.parametrize("text", ["", "hello", "203.0.113.7/24", "fe80::1%eth0"])
def test_every_parse_error_is_in_urdu_with_the_value_isolated_left_to_right(text):
    with translation.override("ur"), pytest.raises(NetworkError) as error:
        parse_network(text)
    assert "IP" in error.value.message or "\u2066" in error.value.message
    assert not error.value.message.isascii()
    if text:
        assert f"\u2066{text}\u2069" in error.value.message


def test_ipv6_is_stored_compressed_and_lowercase():
    assert str(parse_network("2001:0DB8:0000::/48")) == "2001:db8::/48"


def test_lines_report_errors_by_line_number_and_duplicates():
    networks, errors = parse_network_lines("111.68.96.10\n\nnot-an-ip\n111.68.96.10/32\n2400:cb00::/48\n")
    assert [str(n) for n in networks] == ["111.68.96.10/32", "2400:cb00::/48"]
    assert [(e.line, e.message) for e in errors] == [
        (3, errors[0].message),
        (4, "111.68.96.10 is already on line 1."),
    ]
    assert "not-an-ip" in errors[0].message


@pytest.mark.parametrize(("text", "meant"), [("010.001.002.003", "10.1.2.3"), ("1.2.3.04/32", "1.2.3.4/32")])
def test_leading_zeros_are_refused_as_ambiguous_naming_the_address_meant(text, meant):
    with pytest.raises(NetworkError) as error:
        parse_network(text)
    assert error.value.code == "leading_zeros"
    assert "octal" in error.value.message and meant in error.value.message


@pytest.mark.parametrize(
    ("text", "network"),
    [
        (urdu_digits("39.32.10.0/24"), "39.32.10.0/24"),
        (arabic_digits("39.32.10.7"), "39.32.10.7/32"),
        (" 39." + urdu_digits("32") + ".1" + arabic_digits("0.0") + "/24 ", "39.32.10.0/24"),
        (urdu_digits("2400:cb00:2049::/48"), "2400:cb00:2049::/48"),
    ],
)
def test_urdu_and_arabic_digits_are_read_as_ascii(text, network):
    assert parse_network(text) == ipaddress.ip_network(network)


def test_errors_quote_the_digits_as_typed_and_suggest_ascii():
    typed = urdu_digits("39.32.10.1/24")
    with pytest.raises(NetworkError) as error:
        parse_network(typed)
    assert (error.value.code, error.value.params) == ("host_bits", {"value": typed, "network": "39.32.10.0/24"})
    typed = urdu_digits("010.1.2.3")
    with pytest.raises(NetworkError) as error:
        parse_network(typed)
    assert (error.value.code, error.value.params) == ("leading_zeros", {"value": typed, "meant": "10.1.2.3"})


@pytest.mark.parametrize(
    "text",
    [
        urdu_digits("39.32.10.0").replace(".", "\u06d4"),  # ARABIC FULL STOP
        urdu_digits("39.32.10.0").replace(".", "\u066b"),  # ARABIC DECIMAL SEPARATOR
        "\u0969\u096f.32.10.0",  # Devanagari digits
        "\uff13\uff19.32.10.0",  # fullwidth digits
    ],
)
def test_arabic_full_stops_and_other_digits_are_not_guessed(text):
    with pytest.raises(NetworkError) as error:
        parse_network(text)
    assert error.value.code == "invalid" and error.value.params == {"value": text}
