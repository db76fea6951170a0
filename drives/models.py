"""A registration drive's window (one row, edited by supervisors) and the record of every change to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.constraints import choice_check


class AfterGrace(models.TextChoices):
    CLOSED = "closed", _("closed: new registrations are refused")
    OPEN_LATE = "open_late", _("open late: new registrations are accepted, marked late")


class RegistrationWindow(models.Model):
    """The current registration window; dates are days in Pakistan time, each inclusive.

    Until `deadline` registrations are on time; until `grace_until` they are accepted and marked late; after it
    `after_grace` decides. With no row, registration is always open."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    grace_until = models.DateField(_("grace period ends on"))
    enforcement_from = models.DateField(
        _("enforcement from"), null=True, blank=True, help_text=_("When unregistered VPNs start being enforced.")
    )
    after_grace = models.CharField(
        _("after the grace period"), max_length=10, choices=AfterGrace.choices, default=AfterGrace.CLOSED
    )
    notice_en = models.TextField(_("public notice in English"), blank=True, max_length=2000)
    notice_ur = models.TextField(_("public notice in Urdu"), blank=True, max_length=2000)
    # The deadline before the latest extension, for the banner's "extended"; cleared when it is brought forward.
    extended_from = models.DateField(_("extended from"), null=True, blank=True, editable=False)
    changed_at = models.DateTimeField(_("changed at"), editable=False)

    class Meta:
        verbose_name = _("registration window")
        verbose_name_plural = _("registration window")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="registrationwindow_single_row"),
            models.CheckConstraint(condition=Q(grace_until__gte=F("deadline")), name="registrationwindow_grace_after"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(opens_on__lte=F("deadline")), name="registrationwindow_opens"
            ),
            choice_check("after_grace", AfterGrace, "registrationwindow_after_grace_valid"),
        ]

    def __str__(self) -> str:
        return str(_("Registration window"))

    def as_json(self) -> dict[str, str | None]:
        """What an audit row keeps of the window."""
        return {
            "opens_on": self.opens_on.isoformat() if self.opens_on else None,
            "deadline": self.deadline.isoformat(),
            "grace_until": self.grace_until.isoformat(),
            "enforcement_from": self.enforcement_from.isoformat() if self.enforcement_from else None,
            "after_grace": self.after_grace,
            "notice_en": self.notice_en,
            "notice_ur": self.notice_ur,
        }


class Via(models.TextChoices):
    ADMIN = "admin", _("admin")
    COMMAND = "command", _("management command")


class WindowChange(models.Model):
    """One change to the window: who, when, why, and the window before and after. Never edited."""

    Via = Via

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when an operations script made the change."),
    )
    via = models.CharField(_("through"), max_length=10, choices=Via.choices)
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("window change")
        verbose_name_plural = _("window history")
        ordering = ["-created_at", "-id"]
        constraints = [
            choice_check("via", Via, "windowchange_via_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="windowchange_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"
