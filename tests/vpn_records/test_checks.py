import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.networks import parse_network
from vpn_records.checks import FAIL, PASS, WARN, Context, check_allocation, check_prefix_size, check_public

net = ipaddress.ip_network


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10.1.2.3", "private address space"),
        ("172.20.0.0/24", "private address space"),
        ("192.168.1.0/24", "private address space"),
        ("100.64.12.7", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"),
        ("169.254.10.10", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.1.2.3", "this network"),
        ("192.0.2.10", "TEST-NET-1"),
        ("198.51.100.10", "TEST-NET-2"),
        ("203.0.113.7", "TEST-NET-3"),
        ("198.18.0.1", "benchmarking"),
        ("192.88.99.1", "6to4 relay"),
        ("192.0.0.8", "IETF protocol assignments"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd12:3456::/48", "unique local"),
        ("ff02::1", "multicast"),
        ("2001:db8::/48", "documentation"),
        ("3fff::/32", "documentation"),
        ("2002:c000:204::/48", "6to4"),
        ("2001:0:4136:e378::/64", "Teredo"),
        ("2001:2::/48", "benchmarking"),
        ("2001:4:112::/48", "IETF protocol assignments"),
        ("64:ff9b::808:808", "translation"),
        ("100::/64", "discard"),
        ("4000::/48", "outside IPv6 global unicast"),
    ],
)
def test_special_purpose_space_is_refused_saying_which(text, words):
    finding = check_public(parse_network(text))
    assert (finding.code, finding.severity) == ("not_public", FAIL)
    assert words in str(finding.message)


def test_a_network_touching_private_space_is_refused():
    assert check_public(net("10.0.0.0/7")).severity == FAIL  # 10/7 covers 10/8 and 11/8


@pytest.mark.parametrize("text", ["111.68.96.10", "39.40.1.0/24", "8.8.8.8", "2400:fc00:1::/48", "2606:4700::1"])
def test_public_space_passes(text):
    assert check_public(parse_network(text)).severity == PASS


@given(st.ip_addresses(v=4).filter(lambda a: a.is_private or a.is_multicast or a.is_loopback or a.is_reserved))
def test_whatever_python_calls_non_public_we_refuse_too(address):
    assert check_public(net(address)).severity == FAIL


@pytest.mark.parametrize(
    ("text", "severity"),
    [("111.68.96.0/24", PASS), ("111.68.96.0/23", FAIL), ("2400:fc00:1::/48", PASS), ("2400:fc00::/47", FAIL)],
)
def test_prefix_size_policy_defaults(text, severity):
    assert check_prefix_size(parse_network(text)).severity == severity


def test_prefix_size_policy_is_configurable(settings):
    settings.POLICY_SHORTEST_PREFIX_IPV4 = 28
    finding = check_prefix_size(net("111.68.96.0/27"))
    assert finding.severity == FAIL
    assert "a /28" in str(finding.message)


def test_allocation_in_pakistan_passes_abroad_warns_by_name_unknown_warns():
    entry = net("111.68.96.10/32")
    assert check_allocation(entry, Context(allocations=[(net("111.68.96.0/19"), "PK")])).severity == PASS
    abroad = check_allocation(entry, Context(allocations=[(net("111.68.96.0/19"), "AE")]))
    assert abroad.severity == WARN and "the United Arab Emirates" in str(abroad.message)
    unknown = check_allocation(entry, Context())
    assert (unknown.code, unknown.severity) == ("allocation_unknown", WARN)
