"""Parsing IP addresses and CIDR networks as applicants type them."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .digits import ascii_digits

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# Why a text is not a network, by code: stored with a bulk upload's row errors and rendered in the reader's language.
NETWORK_ERROR_MESSAGES = {
    "empty": gettext_lazy("Enter an IP address or network."),
    "invalid": gettext_lazy(
        "“%(value)s” is not a valid IPv4 or IPv6 address or CIDR network (such as 203.0.113.7, "
        "203.0.113.0/24 or 2001:db8::/48)."
    ),
    "host_bits": gettext_lazy("“%(value)s” has host bits set after the prefix; the network is %(network)s."),
    "leading_zeros": gettext_lazy(
        "“%(value)s” has a number with a leading zero, which some programs read as octal and others as decimal: "
        "write %(meant)s if that is the address you mean."
    ),
    "zone_id": gettext_lazy(
        "“%(value)s” ends in a zone id (%(zone)s), which names a network interface on one computer and means "
        "nothing to anyone else: leave it out."
    ),
}


class NetworkError(ValueError):
    """The text is not an address or network we can store; `message` says why, for the user."""

    def __init__(self, code: str, params: dict[str, str] | None = None):
        self.code = code
        self.params = params or {}
        self.message = network_error_message(code, self.params)
        super().__init__(self.message)


def network_error_message(code: str, params: dict[str, str]) -> str:
    template = NETWORK_ERROR_MESSAGES[code]
    return template % params if params else str(template)


def parse_network(text: str) -> IPNetwork:
    """Parse `203.0.113.7`, `203.0.113.0/24` or `2001:db8::/48` into its canonical network.

    A single address becomes a /32 or /128. Host bits set after the slash are refused, naming the network
    that was probably meant; an IPv4-mapped IPv6 address is stored as the IPv4 address it maps. Urdu and Arabic
    digits are read as ASCII ones; errors quote the text as typed, so the applicant recognises it.
    """
    typed = (text or "").strip()
    value = ascii_digits(typed)
    if not value:
        raise NetworkError("empty")
    if "%" in value:  # Python accepts IPv6 zone ids (fe80::1%eth0); PostgreSQL and everyone else's firewall do not
        raise NetworkError("zone_id", {"value": typed[:60], "zone": typed[typed.index("%") :][:20]})
    if meant := _without_leading_zeros(value):
        raise NetworkError("leading_zeros", {"value": typed[:60], "meant": meant})
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise NetworkError("invalid", {"value": typed[:60]}) from exc
        raise NetworkError("host_bits", {"value": typed[:60], "network": str(loose)}) from exc
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        network = ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
    return network


_DOTTED_QUAD = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/\d{1,2})?$", re.ASCII)


def _without_leading_zeros(value: str) -> str:
    """`10.1.2.3` for `010.001.002.003`, if that is a valid address written with leading zeros; else ""."""
    match = _DOTTED_QUAD.match(value)
    if not match or not any(len(part) > 1 and part.startswith("0") for part in match.groups()[:4]):
        return ""
    octets = [int(part) for part in match.groups()[:4]]
    if any(octet > 255 for octet in octets):
        return ""
    return ".".join(map(str, octets)) + (match.group(5) or "")


def display_network(network: IPNetwork) -> str:
    """A single address without its /32 or /128; a network in CIDR form."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


def parse_network_lines(text: str) -> tuple[list[IPNetwork], list[LineError]]:
    """One address or network per line; blank lines are skipped. Errors name the line."""
    networks: list[IPNetwork] = []
    errors: list[LineError] = []
    first_seen: dict[IPNetwork, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            network = parse_network(line)
        except NetworkError as error:
            errors.append(LineError(number, error.message))
            continue
        if network in first_seen:
            errors.append(
                LineError(
                    number,
                    _("%(network)s is already on line %(line)s.")
                    % {"network": display_network(network), "line": first_seen[network]},
                )
            )
            continue
        first_seen[network] = number
        networks.append(network)
    return networks, errors


def as_network(value: IPNetwork | str) -> IPNetwork:
    """A network as the database driver hands it back (psycopg2 gives `cidr` as text)."""
    return value if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network) else ipaddress.ip_network(value)
