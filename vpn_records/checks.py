"""Verification checks. Each returns a Finding: a code, a severity, and the parameters of its message.

A finding is stored as data and its message rendered when shown, so each reader sees it in their language.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from applicants import validators
from applicants.models import Applicant, MobileOperator
from core.networks import IPNetwork

from .msisdn import normalise_msisdn, operator_of

PASS, WARN, FAIL = "pass", "warn", "fail"

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
SPECIAL_PURPOSE_WHY = dict(_SPECIAL_PURPOSE)
SPECIAL_PURPOSE_RANGES = [ipaddress.ip_network(cidr) for cidr, _why in _SPECIAL_PURPOSE]
IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# The same ranges as integer bounds per IP version, in table order: a bulk upload checks 100,000 rows with them.
_SPECIAL_BOUNDS = {
    version: [
        (int(special.network_address), int(special.broadcast_address), special)
        for special in SPECIAL_PURPOSE_RANGES
        if special.version == version
    ]
    for version in (4, 6)
}
_GLOBAL_UNICAST_BOUNDS = (int(IPV6_GLOBAL_UNICAST.network_address), int(IPV6_GLOBAL_UNICAST.broadcast_address))

MESSAGES = {
    "public": _("Public address space."),
    "not_public": _("%(network)s is in %(why)s."),
    "not_global_unicast": _("%(network)s is outside IPv6 global unicast space (2000::/3)."),
    "prefix_size": _("Network size within policy."),
    "prefix_too_large": _(
        "%(network)s is larger than the largest network one entry may cover, a /%(shortest)s; "
        "split it into /%(shortest)s networks or smaller."
    ),
    "allocated_pk": _("Allocated to Pakistan."),
    "allocation_unknown": _(
        "%(network)s is not in the registries' delegation data we hold; staff will check who holds it."
    ),
    "allocated_abroad": _(
        "%(network)s is allocated to %(countries)s, not Pakistan; staff will ask about it if needed."
    ),
    "conflict": _(
        "%(network)s overlaps a network another applicant has registered or is registering. If you use it, "
        "ask your ISP which addresses are assigned to you."
    ),
    "duplicate_own": _("%(network)s overlaps what you registered in %(references)s."),
    "no_conflict": _("No overlap with other registrations."),
    "denied": _("%(network)s cannot be registered. Contact the regulator if you think this is wrong."),
    "not_denied": _("Not on the denylist."),
    "cnic_shared": _("The CNIC is also on another applicant account."),
    "msisdn_mobile": _("A Pakistani mobile number."),
    "msisdn_invalid": _("%(number)s is not a Pakistani mobile number."),
    "operator_match": _("The operator matches the number's prefix."),
    "operator_mismatch": _(
        "%(number)s has a prefix given to %(expected)s, not %(operator)s. If you moved the number to another "
        "operator, this is expected; otherwise correct the operator."
    ),
    "number_conflict": _(
        "%(number)s is registered, or being registered, by another applicant. If it is your number, contact the "
        "regulator."
    ),
    "number_duplicate_own": _("%(number)s is also in %(references)s."),
    "number_not_held": _("No other applicant holds this number."),
    "number_denied": _("%(number)s cannot be registered. Contact the regulator if you think this is wrong."),
    "sim_confirmed": _("The operator confirms the SIM is registered to your CNIC."),
    "sim_not_owner": _(
        "The operator says the SIM of %(number)s is not registered to your CNIC. Register a number in your own name."
    ),
    "sim_unknown": _("The operator says %(number)s is not an active number on its network."),
    "sim_pending": _("Staff will confirm with the operator that the SIM is registered to your CNIC."),
    "sim_unavailable": _("The operator could not be asked just now; staff will confirm ownership in review."),
    **{f"identity_{code}": message for code, message in validators.MESSAGES.items()},
}
# What only staff may see, such as another applicant's reference.
STAFF_MESSAGES = {
    "conflict": _("Overlaps %(others)s."),
    "denied": _("On the denylist: %(reasons)s"),
    "cnic_shared": _("Same CNIC as %(others)s."),
    "number_conflict": _("Held by %(others)s."),
    "number_denied": _("On the denylist: %(reasons)s"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    params: dict[str, str] = field(default_factory=dict)
    # Parameters of the staff-only message; never shown to applicants.
    staff_params: dict[str, str] = field(default_factory=dict)
    # Which message to show, where one code has several.
    message_key: str = ""
    # For staff alone: the applicant never sees it (another account's CNIC is staff's to resolve).
    staff_only: bool = False

    def as_json(self) -> dict:
        data: dict[str, object] = {"code": self.code, "severity": self.severity, "params": self.params}
        if self.staff_params:
            data["staff_params"] = self.staff_params
        if self.message_key:
            data["message_key"] = self.message_key
        if self.staff_only:
            data["staff_only"] = True
        return data

    @property
    def message(self) -> str:
        return finding_message(self.as_json())


# Passing findings carry no parameters: one shared (frozen) instance each; a bulk upload checks 100,000 rows.
_PASSED = {code: Finding(code, PASS) for code in ("public", "prefix_size", "allocated_pk", "no_conflict", "not_denied")}


def finding_message(finding: dict, *, staff: bool = False, html: bool = False) -> str:
    """The finding's message in the active language; with `staff`, followed by the staff-only detail.

    With `html`, addresses and references are isolated left-to-right so they read whole in Urdu.
    """
    params = {key: _param_text(key, value, html) for key, value in finding.get("params", {}).items()}
    template = MESSAGES[finding.get("message_key") or finding["code"]]
    text = template % params if params else str(template)
    if staff and finding.get("staff_params"):
        staff_params = {key: _param_text(key, value, html) for key, value in finding["staff_params"].items()}
        text = f"{text} {STAFF_MESSAGES[finding['code']] % staff_params}"
    return SafeString(text) if html else text


# Addresses and references keep their left-to-right order inside right-to-left text.
_LEFT_TO_RIGHT = {"network", "number", "references", "others", "shortest", "digit"}


def _param_text(key: str, value: str, html: bool) -> str:
    if key == "why":
        text = str(SPECIAL_PURPOSE_WHY[value])
    elif key in {"operator", "expected"}:
        text = str(MobileOperator(value).label)
    elif key == "countries":
        text = ", ".join(country_name(code) for code in value.split(","))
    else:
        text = value
    if not html:
        return text
    return format_html('<bdi dir="ltr">{}</bdi>', text) if key in _LEFT_TO_RIGHT else conditional_escape(text)


def check_public(network: IPNetwork) -> Finding:
    """The network is public: no part of it lies in a special-purpose range."""
    first = int(network.network_address)
    last = first | ((1 << (network.max_prefixlen - network.prefixlen)) - 1)
    for special_first, special_last, special in _SPECIAL_BOUNDS[network.version]:
        if first <= special_last and special_first <= last:
            return Finding("not_public", FAIL, {"network": str(network), "why": str(special)})
    if network.version == 6 and not (_GLOBAL_UNICAST_BOUNDS[0] <= first and last <= _GLOBAL_UNICAST_BOUNDS[1]):
        return Finding("not_public", FAIL, {"network": str(network)}, message_key="not_global_unicast")
    return _PASSED["public"]


def check_prefix_size(network: IPNetwork) -> Finding:
    """The network is no larger than policy allows (by default a /24 for IPv4, a /48 for IPv6)."""
    shortest = settings.POLICY_SHORTEST_PREFIX_IPV4 if network.version == 4 else settings.POLICY_SHORTEST_PREFIX_IPV6
    if network.prefixlen < shortest:
        return Finding("prefix_too_large", FAIL, {"network": str(network), "shortest": str(shortest)})
    return _PASSED["prefix_size"]


@dataclass
class Context:
    """What the database says about one entry's network, gathered in bulk before the checks run."""

    allocations: list[tuple[IPNetwork, str]] = field(default_factory=list)  # (block, country)
    other_applicants: list[tuple[str, IPNetwork]] = field(default_factory=list)  # (reference, network)
    same_applicant: list[tuple[str, IPNetwork]] = field(default_factory=list)
    denied: list[tuple[IPNetwork, str]] = field(default_factory=list)  # (network, staff reason)


def check_allocation(network: IPNetwork, context: Context) -> Finding:
    """RIR delegation data puts the network in Pakistan; unknown space or another country is a warning."""
    covering = [
        country
        for block, country in context.allocations
        if block.version == network.version and network.subnet_of(block)  # type: ignore[arg-type]  # same version
    ]
    countries = sorted({country for _block, country in context.allocations})
    if (covering and covering[0] == "PK") or countries == ["PK"]:
        return _PASSED["allocated_pk"]
    if not countries:
        return Finding("allocation_unknown", WARN, {"network": str(network)})
    return Finding("allocated_abroad", WARN, {"network": str(network), "countries": ",".join(countries)})


def check_conflicts(network: IPNetwork, context: Context) -> Finding:
    """Another applicant's active entry overlapping fails; the applicant's own earlier entry only warns."""
    if context.other_applicants:
        others = ", ".join(sorted({f"{reference} ({other})" for reference, other in context.other_applicants}))
        return Finding("conflict", FAIL, {"network": str(network)}, staff_params={"others": others})
    if context.same_applicant:
        references = ", ".join(sorted({reference for reference, _other in context.same_applicant}))
        return Finding("duplicate_own", WARN, {"network": str(network), "references": references})
    return _PASSED["no_conflict"]


def check_denylist(network: IPNetwork, context: Context) -> Finding:
    if context.denied:
        reasons = "; ".join(f"{denied}: {reason}" for denied, reason in context.denied)
        return Finding("denied", FAIL, {"network": str(network)}, staff_params={"reasons": reasons})
    return _PASSED["not_denied"]


def run_network_checks(network: IPNetwork, context: Context) -> list[Finding]:
    """Every check of one entry. Later checks need a public network of sensible size to mean anything."""
    findings = [check_public(network), check_prefix_size(network)]
    if all(finding.severity != FAIL for finding in findings):
        findings += [
            check_allocation(network, context),
            check_conflicts(network, context),
            check_denylist(network, context),
        ]
    return findings


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))


COUNTRY_NAMES = {
    "PK": _("Pakistan"),
    "AE": _("the United Arab Emirates"),
    "AF": _("Afghanistan"),
    "AU": _("Australia"),
    "CN": _("China"),
    "DE": _("Germany"),
    "GB": _("the United Kingdom"),
    "IN": _("India"),
    "IR": _("Iran"),
    "NL": _("the Netherlands"),
    "SA": _("Saudi Arabia"),
    "SG": _("Singapore"),
    "US": _("the United States"),
}


def check_identity(applicant: Applicant, duplicates: list[str]) -> list[Finding]:
    """The applicant's identity numbers are well-formed; a CNIC shared with other accounts is flagged to staff."""
    findings = []
    for value, validate in _identity_fields(applicant):
        try:
            validate(value)
        except ValidationError as error:
            params = {key: str(value) for key, value in (error.params or {}).items()}
            findings.append(Finding(f"identity_{error.code}", FAIL, params))
    if duplicates:
        # Staff's to resolve: the applicant is never told of another account, nor held back by it.
        findings.append(Finding("cnic_shared", WARN, staff_params={"others": ", ".join(duplicates)}, staff_only=True))
    return findings


def _identity_fields(applicant: Applicant) -> list[tuple]:
    fields = [(applicant.identity_cnic, validators.validate_cnic), (applicant.mobile, validators.validate_pk_mobile)]
    if applicant.kind == Applicant.Kind.COMPANY:
        fields.append((applicant.ntn, validators.validate_ntn))
    return fields


@dataclass
class NumberContext:
    """What the database and the operator say about one entry's mobile number, gathered before the checks run."""

    other_holders: list[str] = field(default_factory=list)  # references of other applicants' active entries
    own_references: list[str] = field(default_factory=list)
    denied_reason: str | None = None
    # The operator's answer on SIM ownership (sim_ownership.Ownership), or "unavailable" when it could not be asked.
    ownership: str = "pending"


def run_number_checks(msisdn: str, operator: str, context: NumberContext) -> list[Finding]:
    """Every check of one mobile-number entry; a mismatched operator only warns (numbers move between operators)."""
    number = {"number": msisdn}
    try:
        normalise_msisdn(msisdn)
    except ValidationError:
        return [Finding("msisdn_invalid", FAIL, number)]
    findings = [_PASSED_NUMBER["msisdn_mobile"]]
    expected = operator_of(msisdn)
    if expected is not None and expected != operator:
        findings.append(Finding("operator_mismatch", WARN, {**number, "expected": expected, "operator": operator}))
    else:
        findings.append(_PASSED_NUMBER["operator_match"])
    if context.other_holders:
        others = ", ".join(sorted(set(context.other_holders)))
        findings.append(Finding("number_conflict", FAIL, number, staff_params={"others": others}))
    elif context.own_references:
        references = ", ".join(sorted(set(context.own_references)))
        findings.append(Finding("number_duplicate_own", WARN, {**number, "references": references}))
    else:
        findings.append(_PASSED_NUMBER["number_not_held"])
    if context.denied_reason is not None:
        findings.append(Finding("number_denied", FAIL, number, staff_params={"reasons": context.denied_reason}))
    else:
        findings.append(_PASSED["not_denied"])
    findings.append(_ownership_finding(context.ownership, number))
    return findings


_PASSED_NUMBER = {code: Finding(code, PASS) for code in ("msisdn_mobile", "operator_match", "number_not_held")}


def _ownership_finding(ownership: str, number: dict[str, str]) -> Finding:
    if ownership == "confirmed":
        return Finding("sim_confirmed", PASS)
    if ownership == "not_owner":
        return Finding("sim_not_owner", FAIL, number)
    if ownership == "unknown":
        return Finding("sim_unknown", FAIL, number)
    if ownership == "unavailable":
        return Finding("sim_unavailable", WARN)
    return Finding("sim_pending", WARN)
