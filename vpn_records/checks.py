"""Verification checks of one network. Each returns findings: a code, a severity and a message."""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .networks import IPNetwork

PASS, WARN, FAIL = "pass", "warn", "fail"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str

    def as_json(self) -> dict:
        return {**asdict(self), "message": str(self.message)}


# IANA special-purpose address registries (RFC 6890 and later), kept as our own table because
# `ipaddress.is_global` differs between Python versions and calls some multicast space global.
_SPECIAL_PURPOSE = [
    ("0.0.0.0/8", _("“this network” (0.0.0.0/8), which is not routable")),
    ("10.0.0.0/8", _("private address space (RFC 1918); register the public address your VPN uses")),
    (
        "100.64.0.0/10",
        _(
            "shared address space (100.64.0.0/10, carrier-grade NAT). Pakistani mobile and some fibre networks "
            "give customers these addresses behind NAT: they are not yours and cannot be registered. Ask your ISP "
            "for a static public IP"
        ),
    ),
    ("127.0.0.0/8", _("loopback space (127.0.0.0/8)")),
    ("169.254.0.0/16", _("link-local space (169.254.0.0/16)")),
    ("172.16.0.0/12", _("private address space (RFC 1918); register the public address your VPN uses")),
    ("192.0.0.0/24", _("IETF protocol assignments (192.0.0.0/24)")),
    ("192.0.2.0/24", _("documentation space (TEST-NET-1), used only in examples")),
    ("192.88.99.0/24", _("the deprecated 6to4 relay anycast range (192.88.99.0/24)")),
    ("192.168.0.0/16", _("private address space (RFC 1918); register the public address your VPN uses")),
    ("198.18.0.0/15", _("benchmarking space (198.18.0.0/15)")),
    ("198.51.100.0/24", _("documentation space (TEST-NET-2), used only in examples")),
    ("203.0.113.0/24", _("documentation space (TEST-NET-3), used only in examples")),
    ("224.0.0.0/4", _("multicast space (224.0.0.0/4)")),
    ("240.0.0.0/4", _("reserved space (240.0.0.0/4), including the broadcast address")),
    ("::/128", _("the unspecified IPv6 address")),
    ("::1/128", _("the IPv6 loopback address")),
    ("64:ff9b::/96", _("the IPv4/IPv6 translation prefix (64:ff9b::/96)")),
    ("64:ff9b:1::/48", _("the local-use IPv4/IPv6 translation prefix (64:ff9b:1::/48)")),
    ("100::/64", _("the IPv6 discard-only prefix (100::/64)")),
    ("2001::/32", _("Teredo tunnelling space (2001::/32)")),
    ("2001:2::/48", _("IPv6 benchmarking space (2001:2::/48)")),
    ("2001::/23", _("IETF protocol assignments (2001::/23)")),
    ("2001:db8::/32", _("IPv6 documentation space (2001:db8::/32), used only in examples")),
    ("2002::/16", _("6to4 tunnelling space (2002::/16)")),
    ("3fff::/20", _("IPv6 documentation space (3fff::/20), used only in examples")),
    ("5f00::/16", _("the IPv6 segment-routing prefix (5f00::/16)")),
    ("fc00::/7", _("IPv6 unique local space (fc00::/7), the IPv6 private range")),
    ("fe80::/10", _("IPv6 link-local space (fe80::/10)")),
    ("ff00::/8", _("IPv6 multicast space (ff00::/8)")),
]
SPECIAL_PURPOSE_RANGES = [(ipaddress.ip_network(cidr), why) for cidr, why in _SPECIAL_PURPOSE]
IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")


def check_public(network: IPNetwork) -> Finding:
    """The network is public: no part of it lies in a special-purpose range."""
    for special, why in SPECIAL_PURPOSE_RANGES:
        if network.overlaps(special):
            return Finding("not_public", FAIL, _("%(network)s is in %(why)s.") % {"network": network, "why": why})
    if network.version == 6 and not network.subnet_of(IPV6_GLOBAL_UNICAST):
        return Finding(
            "not_public", FAIL, _("%(network)s is outside IPv6 global unicast space (2000::/3).") % {"network": network}
        )
    return Finding("public", PASS, _("Public address space."))


def check_prefix_size(network: IPNetwork) -> Finding:
    """The network is no larger than policy allows (by default a /24 for IPv4, a /48 for IPv6)."""
    shortest = settings.POLICY_SHORTEST_PREFIX_IPV4 if network.version == 4 else settings.POLICY_SHORTEST_PREFIX_IPV6
    if network.prefixlen < shortest:
        return Finding(
            "prefix_too_large",
            FAIL,
            _(
                "%(network)s is larger than the largest network one entry may cover, a /%(shortest)s; "
                "split it into /%(shortest)s networks or smaller."
            )
            % {"network": network, "shortest": shortest},
        )
    return Finding("prefix_size", PASS, _("Network size within policy."))


NETWORK_CHECKS = (check_public, check_prefix_size)


def run_network_checks(network: IPNetwork) -> list[Finding]:
    return [check(network) for check in NETWORK_CHECKS]
