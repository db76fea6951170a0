"""The network column and its lookups, on whichever database the suite runs (PostgreSQL in CI)."""

import ipaddress

import pytest
from django.db import connection

from core.networks import NetworkError
from tests.factories import make_registration
from vpn_records.models import IpEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(freelancer, other_applicant):
    make_registration(user=freelancer, networks=["111.68.96.0/24", "111.68.97.5", "2400:cb00:2049::/48"])
    make_registration(user=other_applicant, networks=["111.68.96.128/25", "39.40.1.1"])


def networks(queryset) -> list[str]:
    return sorted(str(entry.network) for entry in queryset)


def test_entries_read_back_as_canonical_networks(entries):
    entry = IpEntry.objects.get(network="2400:cb00:2049::/48")
    assert entry.network == ipaddress.ip_network("2400:cb00:2049::/48")
    assert entry.network_display == "2400:cb00:2049::/48"
    assert IpEntry.objects.get(network="111.68.97.5").network_display == "111.68.97.5"


def test_which_entries_contain_an_ip(entries):
    assert networks(IpEntry.objects.filter(network__net_contains="111.68.96.200")) == [
        "111.68.96.0/24",
        "111.68.96.128/25",
    ]
    assert networks(IpEntry.objects.filter(network__net_contains="2400:cb00:2049:1::7")) == ["2400:cb00:2049::/48"]
    assert not IpEntry.objects.filter(network__net_contains="8.8.8.8").exists()


def test_which_entries_overlap_a_network(entries):
    assert networks(IpEntry.objects.filter(network__net_overlaps="111.68.96.0/23")) == [
        "111.68.96.0/24",
        "111.68.96.128/25",
        "111.68.97.5/32",
    ]
    assert networks(IpEntry.objects.filter(network__net_overlaps="111.68.96.0/26")) == ["111.68.96.0/24"]
    assert not IpEntry.objects.filter(network__net_overlaps="2400:cb00::/32").exclude(network="2400:cb00:2049::/48")


def test_bulk_create_cannot_store_a_network_with_host_bits(freelancer):
    registration = make_registration(user=freelancer)
    with pytest.raises(NetworkError):
        IpEntry.objects.bulk_create([IpEntry(registration=registration, network="1.2.3.4/24")])


def test_containment_and_overlap_lookups_use_the_network_index(entries):
    for queryset in (
        IpEntry.objects.filter(network__net_contains="111.68.96.200"),
        IpEntry.objects.filter(network__net_overlaps="111.68.96.0/23"),
    ):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "entry_network_range" in queryset.explain()


STORED = [
    "0.0.0.0/0", "11.0.0.0/8", "111.68.96.0/24", "111.68.96.7", "255.255.255.255",
    "::/0", "::1", "2001:db8::/32", "2001:db8:0:1::/64", "2001:db8:0:1::5", "2001:db8:0:1:8000::/65",
    "7fff:ffff:ffff:ffff::/64", "8000::/1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
]  # fmt: skip
PROBES = [
    "111.68.96.7", "111.68.97.0/24", "10.0.0.0/8", "0.0.0.0", "255.255.255.255",
    "2001:db8:0:1::5", "2001:db8:0:1::6", "2001:db8:0:1:8000::1", "2001:db8:1::/48", "7fff:ffff:ffff:ffff::1",
    "8000::", "ffff::/16", "::", "::/1",
]  # fmt: skip


@pytest.mark.parametrize("probe", PROBES)
def test_lookups_agree_with_python_at_every_edge(freelancer, probe):
    make_registration(user=freelancer, networks=STORED)
    wanted = ipaddress.ip_network(probe)
    stored = [ipaddress.ip_network(s) for s in STORED]
    contains = sorted(str(s) for s in stored if s.version == wanted.version and wanted.subnet_of(s))
    overlaps = sorted(str(s) for s in stored if s.overlaps(wanted))
    assert networks(IpEntry.objects.filter(network__net_contains=probe)) == contains
    assert networks(IpEntry.objects.filter(network__net_overlaps=probe)) == overlaps
