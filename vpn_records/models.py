from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applicants.models import Applicant
from core.constraints import choice_check
from core.fields import CidrField, LargeNetworkRangeIndex, NetworkRangeIndex, NetworkStartIndex
from core.lifecycle import StatusRecord
from core.networks import display_network

from .msisdn import Operator, mask_msisdn


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFYING = "verifying", _("Being verified")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    RENEWED = "renewed", _("Renewed")


class Purpose(models.TextChoices):
    IT_EXPORT = "it_export", _("IT / software export")
    FREELANCING = "freelancing", _("Freelancing")
    CALL_CENTRE = "call_centre", _("Call centre")
    BANKING = "banking", _("Banking / financial")
    RESEARCH = "research", _("Academic research")
    EMBASSY = "embassy", _("Embassy / foreign mission")
    NGO = "ngo", _("NGO")
    OTHER = "other", _("Other")


class Isp(models.TextChoices):
    PTCL = "ptcl", "PTCL"
    NAYATEL = "nayatel", "Nayatel"
    STORMFIBER = "stormfiber", "StormFiber (Cybernet)"
    TRANSWORLD = "transworld", "Transworld"
    WATEEN = "wateen", "Wateen"
    WORLDCALL = "worldcall", "Worldcall"
    MULTINET = "multinet", "Multinet"
    FIBERLINK = "fiberlink", "Fiberlink"
    JAZZ = "jazz", "Jazz"
    ZONG = "zong", "Zong"
    TELENOR = "telenor", "Telenor"
    UFONE = "ufone", "Ufone"
    OTHER = "other", _("Other")


class VpnType(models.TextChoices):
    IPSEC = "ipsec", "IPsec"
    SSL_TLS = "ssl_tls", "SSL/TLS"
    OPENVPN = "openvpn", "OpenVPN"
    WIREGUARD = "wireguard", "WireGuard"
    OTHER = "other", _("Other")


class RejectionReason(models.TextChoices):
    """The standard reasons staff pick from; free text may follow."""

    NOT_PUBLIC = "not_public", _("The address is not public address space.")
    NOT_ASSIGNED = "not_assigned", _("The address is not assigned to the applicant by their ISP.")
    CONFLICT = "conflict", _("The address is registered to someone else.")
    PURPOSE = "purpose", _("The stated purpose does not justify a VPN registration.")
    IDENTITY = "identity", _("The applicant's identity could not be confirmed.")
    DENIED = "denied", _("The address is barred from registration.")
    OTHER = "other", _("Other")


class Kind(models.TextChoices):
    """What a registration stands for on the whitelist: an applicant's own networks, or the gateways of a licensed
    VPN service provider (whose customers need no registration of their own)."""

    REGISTRATION = "registration", _("Registration")
    LICENSED_PROVIDER = "licensed_provider", _("Licensed provider")


class Outcome(models.TextChoices):
    """The worst severity verification found among a registration's entries and identity."""

    PASS = "pass", _("All passed")
    WARN = "warn", _("Warnings")
    FAIL = "fail", _("Failures")


class Registration(models.Model):
    """An applicant's request to register one or more VPN networks, identified by its reference."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="registrations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    purpose_detail = models.TextField(_("purpose in your own words"), max_length=2000)
    isp = models.CharField(_("internet service provider"), max_length=20, choices=Isp.choices)
    isp_other = models.CharField(_("other ISP"), max_length=100, blank=True)
    vpn_type = models.CharField(_("VPN type"), max_length=20, choices=VpnType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # First submitted after a registration drive's deadline (set through extensions.submission_stamp).
    late = models.BooleanField(_("late"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Kept with the row so the review queue needs no aggregate over a million entries.
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    verification_outcome = models.CharField(
        _("verification outcome"), max_length=4, choices=Outcome.choices, blank=True
    )
    # When verification was last published; the sweeper re-publishes what has waited too long since.
    verification_dispatched_at = models.DateTimeField(_("verification dispatched at"), null=True, blank=True)
    identity_findings = models.JSONField(_("identity findings"), default=list, blank=True)
    # A renewal is a registration of its own, reviewed as any other, for the approved entries of the one it renews.
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    # While a renewal waits, the entries it renews stay listed past their end: each one's own end, by entry id,
    # to go back to if the renewal is refused or withdrawn.
    held_over = models.JSONField(default=dict, blank=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.REGISTRATION, db_default=Kind.REGISTRATION
    )
    # A licensed provider's gateways are listed under the licence's number, not the registration's reference.
    licence_number = models.CharField(_("licence number"), max_length=30, blank=True, default="", db_default="")
    # The form that created this draft: sent again (Back then Continue, a refresh, a double click) it finds this
    # draft rather than making a second.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at"]
        constraints = [
            choice_check("status", Status, "registration_status_valid"),
            choice_check("purpose", Purpose, "registration_purpose_valid"),
            choice_check("isp", Isp, "registration_isp_valid"),
            choice_check("vpn_type", VpnType, "registration_vpn_type_valid"),
            models.UniqueConstraint(fields=["applicant", "client_token"], name="registration_one_per_form"),
        ]
        indexes = [
            # The applicant's dashboard: own registrations, newest first.
            models.Index(fields=["applicant", "-created_at"], name="registration_applicant_recent"),
            # The review queue and the sweeper: by status, oldest submission first.
            models.Index(fields=["status", "submitted_at"], name="registration_status_submitted"),
            # The review queue filtered by what verification found.
            models.Index(fields=["status", "verification_outcome", "submitted_at"], name="registration_queue_outcome"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("vpn_records:detail", kwargs={"reference": self.reference})

    @property
    def public_reference(self) -> str:
        """What the whitelist names it by: the licence number for a licensed provider's gateways."""
        return self.licence_number or self.reference

    @property
    def isp_display(self) -> str:
        return self.isp_other if self.isp == Isp.OTHER and self.isp_other else self.get_isp_display()

    @property
    def is_partly_approved(self) -> bool:
        """Some entries approved and others not: decided in part while the rest are reviewed, or approved with some
        rejected or revoked. Each entry says which."""
        if self.status == Status.UNDER_REVIEW:
            return self.entries.filter(status=Status.APPROVED).exists()
        if self.status == Status.APPROVED:
            return self.entries.filter(status__in=[Status.REJECTED, Status.REVOKED]).exists()
        return False

    @property
    def status_label(self) -> str:
        """The status as the applicant reads it, the same on the page, the dashboard, notices and the API."""
        if not self.is_partly_approved:
            return str(self.get_status_display())
        if self.status == Status.UNDER_REVIEW:
            return str(_("Partly approved; the rest under review"))
        return str(_("Partly approved"))

    @property
    def continues(self) -> Registration | None:
        """The approved registration this one renews, or whose network it replaces: its documents still stand."""
        if self.renews_id is not None:
            return self.renews
        entry = self.entries.filter(replaces__isnull=False).select_related("replaces__registration").first()
        return entry.replaces.registration if entry is not None and entry.replaces is not None else None

    @property
    def approval_valid_until(self) -> date | None:
        """The last day of the approval while it holds; None otherwise (a revoked approval is never "valid")."""
        return self.valid_until if self.status == Status.APPROVED else None

    @property
    def is_editable(self) -> bool:
        return self.status in {Status.DRAFT, Status.CHANGES_REQUESTED}

    @property
    def can_withdraw(self) -> bool:
        from .workflow import can_transition

        return can_transition(self.status, Status.WITHDRAWN)


SITE_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 500


class IpEntry(models.Model):
    """One address or network of a registration, with its own status and the reasons behind it."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="entries"
    )
    # An entry holds a network or a mobile number (with the operator whose network carries it), never both.
    network = CidrField(_("address or network"), null=True, blank=True)
    # NULL, not "", for a network: one check says which of the two an entry holds, and NULLs never collide.
    msisdn = models.CharField(_("mobile number"), max_length=16, null=True, blank=True)  # noqa: DJ001
    operator = models.CharField(
        _("operator"), max_length=10, choices=Operator.choices, blank=True, default="", db_default=""
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # From a bulk upload's columns: where the network is used, and its VPN type where it differs from the batch.
    site = models.CharField(_("site"), max_length=SITE_MAX_LENGTH, blank=True, default="", db_default="")
    vpn_type = models.CharField(
        _("VPN type"), max_length=20, choices=VpnType.choices, blank=True, default="", db_default=""
    )
    notes = models.CharField(_("notes"), max_length=NOTES_MAX_LENGTH, blank=True, default="", db_default="")
    source_row = models.PositiveIntegerField(_("row in the uploaded file"), null=True, blank=True)
    # The approved entry this one takes over from: in a renewal, the same network or number again; in an address
    # change, the network the ISP took back, with why and when the old one leaves the whitelist.
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    replace_reason = models.CharField(_("why it is replaced"), max_length=500, blank=True, default="", db_default="")
    old_leaves = models.CharField(
        _("the old network leaves the whitelist"),
        max_length=12,
        choices=[("now", _("at once")), ("on_approval", _("when the new one is approved"))],
        blank=True,
        default="",
        db_default="",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The whitelist version (WhitelistVersion.number) of the entry's last move into or out of approved: the check's
    # in-memory copies (whitelist_index) re-read only the entries changed since the version they hold.
    whitelist_version = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("IP entry")
        verbose_name_plural = _("IP entries")
        ordering = ["registration_id", "id"]
        permissions = [
            ("decide_ipentry", _("Can approve or reject entries")),
            ("revoke_ipentry", _("Can revoke approved entries")),
            ("override_ipentry", _("Can approve entries that failed verification")),
        ]
        constraints = [
            choice_check("status", Status, "entry_status_valid"),
            models.CheckConstraint(
                condition=models.Q(vpn_type="") | models.Q(vpn_type__in=VpnType.values), name="entry_vpn_type_valid"
            ),
            models.UniqueConstraint(fields=["registration", "network"], name="entry_unique_network_per_registration"),
            models.UniqueConstraint(fields=["registration", "msisdn"], name="entry_unique_msisdn_per_registration"),
            models.CheckConstraint(
                condition=models.Q(network__isnull=False, msisdn__isnull=True, operator="")
                | models.Q(network__isnull=True, msisdn__isnull=False, operator__in=Operator.values),
                name="entry_network_or_msisdn",
            ),
        ]
        indexes = [
            # "Which entries contain this IP" and "which overlap this network" (net_contains, net_overlaps).
            NetworkRangeIndex(fields=["network"], name="entry_network_range"),
            # Verification's overlap check of many networks at once (verification._overlaps).
            NetworkStartIndex(fields=["network"], name="entry_network_start"),
            LargeNetworkRangeIndex(fields=["network"], name="entry_large_network_range"),
            # Entry lists filtered by status.
            models.Index(fields=["status"], name="entry_status"),
            # One number, one holder; staff search by number; each operator's feed.
            models.Index(fields=["msisdn"], name="entry_msisdn", condition=models.Q(msisdn__isnull=False)),
            models.Index(
                fields=["operator", "status", "msisdn"],
                name="entry_operator_feed",
                condition=models.Q(msisdn__isnull=False),
            ),
            models.Index(
                fields=["whitelist_version"],
                name="entry_whitelist_version",
                condition=models.Q(whitelist_version__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def is_number(self) -> bool:
        return self.msisdn is not None

    @property
    def network_display(self) -> str:
        return display_network(self.network) if self.network is not None else ""

    @property
    def msisdn_masked(self) -> str:
        return mask_msisdn(self.msisdn) if self.msisdn else ""

    @property
    def approval_valid_until(self) -> date | None:
        """The last day of the entry's approval while it holds; None once revoked, withdrawn or expired."""
        return self.valid_until if self.status == Status.APPROVED else None

    @property
    def display(self) -> str:
        """The network, or the number masked: what lists, notices and logs show."""
        return self.msisdn_masked if self.is_number else self.network_display


class StatusChange(StatusRecord):
    """The audit trail: every status change of a registration or one of its entries. Never edited."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="status_changes")
    entry = models.ForeignKey(IpEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="status_changes")
    # The entry's network as it was, so the trail survives an entry removed from a draft.
    subject = models.CharField(_("entry"), max_length=43, blank=True)
    from_status = models.CharField(_("from status"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=Status.choices)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]
        indexes = [
            # The whitelist feed's `since`: entries that left the approved list after a time.
            models.Index(
                fields=["created_at"],
                name="statuschange_whitelist_removal",
                condition=models.Q(entry__isnull=False, from_status="approved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class WhitelistVersion(models.Model):
    """One row counting changes to the approved whitelist, bumped in the transaction that makes each change.

    The feed's ETag: unlike a newest timestamp or id, a counter cannot miss a change that commits late.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return str(self.number)


def reference_text(year: int, number: int) -> str:
    """A registration's reference: the `number`th of `year`."""
    return f"VPN-{year}-{number:06d}"


class ReferenceSequence(models.Model):
    """The last reference number handed out in a year: VPN-2026-000123."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class IpAllocation(models.Model):
    """A block of address space from RIR delegation data, and the country it is delegated to."""

    network = CidrField(_("network"))
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, as the registry gives it."))
    registry = models.CharField(_("registry"), max_length=10)
    status = models.CharField(_("status"), max_length=12)
    allocated_on = models.DateField(_("allocated on"), null=True, blank=True)

    class Meta:
        verbose_name = _("IP allocation")
        verbose_name_plural = _("IP allocations")
        indexes = [
            # Verification: which allocations overlap an entry's network (net_overlaps).
            NetworkRangeIndex(fields=["network"], name="allocation_network_range"),
        ]

    def __str__(self) -> str:
        return f"{self.network} ({self.country}, {self.registry})"


class DeniedNetwork(models.Model):
    """A network staff have barred from registration; any overlapping entry fails verification."""

    network = CidrField(_("network"))
    reason = models.TextField(_("reason"), help_text=_("Seen by staff only."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("denied network")
        verbose_name_plural = _("denied networks")
        indexes = [
            # Verification: which denied networks overlap an entry's network (net_overlaps).
            NetworkRangeIndex(fields=["network"], name="denied_network_range"),
        ]

    def __str__(self) -> str:
        return str(self.network)


class DeniedNumber(models.Model):
    """A mobile number staff have barred from registration (E.164); an entry holding it fails verification."""

    msisdn = models.CharField(_("mobile number"), max_length=16, unique=True)
    reason = models.TextField(_("reason"), help_text=_("Seen by staff only."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("denied mobile number")
        verbose_name_plural = _("denied mobile numbers")

    def __str__(self) -> str:
        return mask_msisdn(self.msisdn)


class NumberView(models.Model):
    """Who of the staff saw a number entry's whole mobile number (its admin page), and when. Written, never edited."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(IpEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mobile number view")
        verbose_name_plural = _("mobile number views")
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.entry_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class MsisdnProof(models.Model):
    """An applicant's proof that they hold a mobile number: a 6-digit code sent by SMS, kept only as a digest.

    One row per applicant and number, renewed by each new code; `verified_at` is set once the right code came back.
    """

    applicant = models.ForeignKey(Applicant, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="+")
    msisdn = models.CharField(_("mobile number"), max_length=16)
    operator = models.CharField(_("operator"), max_length=10, choices=Operator.choices)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    wrong_attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    codes_sent = models.PositiveIntegerField(_("codes sent"), default=0)
    verified_at = models.DateTimeField(_("proved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mobile number proof")
        verbose_name_plural = _("mobile number proofs")
        constraints = [
            models.UniqueConstraint(fields=["applicant", "msisdn"], name="msisdn_proof_one_per_number"),
            choice_check("operator", Operator, "msisdn_proof_operator_valid"),
        ]

    def __str__(self) -> str:
        return mask_msisdn(self.msisdn)
