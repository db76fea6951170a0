from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_mixins import PortalAdminMixin, ReadOnlyAdminMixin
from core.bidi import ltr_html
from core.errors import PortalError
from core.paging import CappedCountPaginator

from . import services
from .admin_forms import DecisionReasonForm, DeniedNumberForm
from .checks import finding_message
from .models import (
    DeniedNetwork,
    DeniedNumber,
    IpAllocation,
    IpEntry,
    NumberView,
    Registration,
    Status,
    StatusChange,
)
from .msisdn import mask_msisdn, normalise_msisdn
from .selectors import entries_search_for_staff, registrations_search_for_staff

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# What a reviewer does about a finding that leaves the decision to staff.
_STAFF_NOTES = {
    "sim_pending": _("Confirm with the operator before approving."),
    "sim_unavailable": _("Confirm with the operator before approving."),
}


def findings_html(findings: list[dict], *, masked: bool = False) -> str:
    """Warnings and failures with what only staff may see, one per line; `masked` for lists, where a mobile number
    is shown masked (its whole is on the entry's page, whose viewing is recorded)."""
    lines = []
    for finding in findings:
        if finding["severity"] == "pass":
            continue
        if masked and "number" in finding.get("params", {}):
            finding = {**finding, "params": {**finding["params"], "number": mask_msisdn(finding["params"]["number"])}}
        message = finding_message(finding, staff=True, html=True)
        if note := _STAFF_NOTES.get(finding["code"]):
            message = format_html("{} {}", message, note)
        lines.append(format_html("<strong>{}</strong>: {}", finding["severity"], message))
    return mark_safe("<br>".join(lines)) if lines else "—"  # noqa: S308 - each line is escaped above


def form_action(
    modeladmin, request, queryset, *, title: StrOrPromise, form_class: type[forms.Form], apply, done
) -> TemplateResponse | None:
    """Ask on an intermediate page for what `form_class` holds, then run `apply(objects, form)` on every selected
    object or none, and say `done(count)`. Other apps' actions on registrations use it too."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": request.POST["action"],
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/vpn_records/decision.html", context)
    _apply_all(modeladmin, request, queryset, lambda objects: apply(objects, form), done)
    return None


def decision_action(
    modeladmin, request, queryset, *, title: StrOrPromise, needs_reason: bool, apply
) -> TemplateResponse | None:
    """Run `apply(objects, reason)`, first asking for a reason on an intermediate page where one is needed."""
    if not needs_reason:
        _apply_all(modeladmin, request, queryset, lambda objects: apply(objects, ""), _decided)
        return None
    return form_action(
        modeladmin,
        request,
        queryset,
        title=title,
        form_class=DecisionReasonForm,
        apply=lambda objects, form: apply(objects, form.reason()),
        done=_decided,
    )


def _decided(count: int) -> str:
    return ngettext("%(count)d decided.", "%(count)d decided.", count) % {"count": count}


def _apply_all(modeladmin, request, queryset, apply, done) -> None:
    try:
        with transaction.atomic():  # all selected, or none
            apply(list(queryset))
    except PortalError as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
    else:
        modeladmin.message_user(request, done(len(queryset)))


class IpEntryInline(admin.TabularInline):
    """The first entries only: a bulk upload's registration may hold 100,000; all are under "decisions"."""

    model = IpEntry
    fields = ("entry", "operator", "status", "verification")
    readonly_fields = fields
    extra = 0
    can_delete = False
    shown = 100
    verbose_name_plural = _("entries (the first 100; every entry is under “decisions” above)")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        registration_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if registration_id is None:
            return queryset
        first = IpEntry.objects.filter(registration_id=registration_id).order_by("id").values("id")[: self.shown]
        return queryset.filter(pk__in=first)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("address, network or number"))
    def entry(self, entry: IpEntry) -> str:
        # A number is masked here; its page shows it whole and records who looked.
        url = reverse("admin:vpn_records_ipentry_change", args=[entry.pk])
        return format_html('<a href="{}"><bdi dir="ltr">{}</bdi></a>', url, entry.display)

    @admin.display(description=_("verification"))
    def verification(self, entry: IpEntry) -> str:
        return findings_html(entry.reasons, masked=True)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("created_at", "subject", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


_RENEWAL_FIELDS = [
    (_("purpose"), "purpose", "get_purpose_display"),
    (_("ISP"), "isp", "get_isp_display"),
    (_("VPN type"), "vpn_type", "get_vpn_type_display"),
]


class KindFilter(admin.SimpleListFilter):
    """Renewals and address changes apart from first registrations."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("renewal", _("Renewals")), ("change", _("Address changes")), ("first", _("First registrations"))]

    def queryset(self, request, queryset):
        changes = IpEntry.objects.filter(replaces__isnull=False, registration__renews__isnull=True)
        if self.value() == "renewal":
            return queryset.filter(renews__isnull=False)
        if self.value() == "change":
            return queryset.filter(pk__in=changes.values("registration_id"))
        if self.value() == "first":
            return queryset.filter(renews__isnull=True).exclude(pk__in=changes.values("registration_id"))
        return queryset


class QueueStatusFilter(admin.SimpleListFilter):
    """The review queue by default: registrations under review; any other status, or all, on request."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", _("All")), *Status.choices]

    def choices(self, changelist):
        current = self.value() or Status.UNDER_REVIEW
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Status.UNDER_REVIEW
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(Registration)
class RegistrationAdmin(PortalAdminMixin, admin.ModelAdmin):
    """The review queue: oldest submission first, with what a reviewer triages by."""

    list_display = [
        "reference",
        "age",
        "applicant_kind",
        "entry_count",
        "verification_outcome",
        "status",
        "isp",
        "late",
    ]
    list_filter = [
        QueueStatusFilter,
        KindFilter,
        "late",
        "applicant__kind",
        "purpose",
        "isp",
        "verification_outcome",
        ("submitted_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["applicant"]
    ordering = ["submitted_at", "id"]
    search_fields = ["reference"]  # replaced by search_by_term; declared so the search box shows
    search_help_text = _(
        "A reference, email, CNIC or mobile number (any format), NTN, name, or an IP address or network."
    )
    paginator = CappedCountPaginator
    readonly_fields = [
        "reference",
        "continues_approval",
        "applicant",
        "created_by",
        "status",
        "submitted_at",
        "late",
        "decided_at",
        "valid_until",
        "identity",
        "decide_entries",
        "verification_dispatched_at",
    ]
    inlines = [IpEntryInline, StatusChangeInline]
    show_full_result_count = False

    def search_by_term(self, request, queryset, term):
        if not term.strip():
            return queryset, False
        return registrations_search_for_staff(queryset=queryset, term=term), True

    @admin.display(description=_("renewal or address change"))
    def continues_approval(self, registration: Registration) -> str:
        """What a reviewer of a renewal or an address change needs: the approval it continues, and what changed."""
        previous = registration.renews
        if previous is not None:
            link = reverse("admin:vpn_records_registration_change", args=[previous.pk])
            changed = [
                format_html("{}: {} → {}", label, getattr(previous, display)(), getattr(registration, display)())
                for label, field, display in _RENEWAL_FIELDS
                if getattr(previous, field) != getattr(registration, field)
            ]
            if previous.purpose_detail != registration.purpose_detail:
                changed.append(format_html("{}: {}", _("purpose in their words, now"), registration.purpose_detail))
            kept = registration.entries.count()
            renewed = previous.entries.filter(status__in=[Status.APPROVED, Status.RENEWED]).count()
            if kept < renewed:
                changed.append(format_html(str(_("{} of {} approved entries not renewed")), renewed - kept, renewed))
            return format_html(
                "{} <a href='{}'><bdi dir='ltr'>{}</bdi></a> ({} {}, {} {}).<br>{}",
                _("Renewal of"),
                link,
                previous.reference,
                _("approved"),
                date_format(previous.decided_at, "j M Y") if previous.decided_at else "—",
                _("valid until"),
                date_format(previous.valid_until, "j M Y") if previous.valid_until else "—",
                mark_safe("<br>".join(changed)) if changed else _("No changes."),  # noqa: S308 - each part is escaped
            )
        replacing = registration.entries.filter(replaces__isnull=False).select_related("replaces__registration")
        lines = [
            format_html(
                "{} <bdi dir='ltr'>{}</bdi> → <bdi dir='ltr'>{}</bdi> ({} <a href='{}'><bdi dir='ltr'>{}</bdi></a>). "
                "{}: {}. {}: {}.",
                _("Address change:"),
                entry.replaces.display,
                entry.display,
                _("in"),
                reverse("admin:vpn_records_registration_change", args=[entry.replaces.registration_id]),
                entry.replaces.registration.reference,
                _("Why"),
                entry.replace_reason,
                _("The old network leaves the whitelist"),
                entry.get_old_leaves_display(),
            )
            for entry in replacing
            if entry.replaces is not None
        ]
        return mark_safe("<br>".join(lines)) if lines else "—"  # noqa: S308 - each line is escaped above

    @admin.display(description=_("decisions"))
    def decide_entries(self, registration: Registration) -> str:
        url = reverse("admin:vpn_records_ipentry_changelist") + f"?registration__id__exact={registration.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Approve or reject these entries"))

    @admin.display(description=_("waiting"), ordering="submitted_at")
    def age(self, registration: Registration) -> str:
        return timesince(registration.submitted_at) if registration.submitted_at else "—"

    @admin.display(description=_("applicant kind"), ordering="applicant__kind")
    def applicant_kind(self, registration: Registration) -> str:
        return registration.applicant.get_kind_display()

    actions = ["approve", "reject", "request_changes"]

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("vpn_records.decide_ipentry")

    @admin.action(description=_("Approve selected registrations"), permissions=["decide"])
    def approve(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Approve registrations: why are the entries that failed verification rejected?"),
            needs_reason=queryset.filter(entries__status=Status.CHANGES_REQUESTED).exists(),
            apply=lambda objects, reason: [
                services.registration_decide(registration=r, actor=request.user, approve=True, reason=reason)
                for r in objects
            ],
        )

    @admin.action(description=_("Reject selected registrations"), permissions=["decide"])
    def reject(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Reject registrations"),
            needs_reason=True,
            apply=lambda objects, reason: [
                services.registration_decide(registration=r, actor=request.user, approve=False, reason=reason)
                for r in objects
            ],
        )

    @admin.action(description=_("Request changes to selected registrations"), permissions=["decide"])
    def request_changes(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Request changes"),
            needs_reason=True,
            apply=lambda objects, reason: [
                services.registration_request_changes(registration=r, actor=request.user, reason=reason)
                for r in objects
            ],
        )

    @admin.display(description=_("identity checks"))
    def identity(self, registration: Registration) -> str:
        return findings_html(registration.identity_findings)


class EntryKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("network", _("Addresses and networks")), ("number", _("Mobile numbers"))]

    def queryset(self, request, queryset):
        if self.value() == "network":
            return queryset.filter(msisdn__isnull=True)
        if self.value() == "number":
            return queryset.filter(msisdn__isnull=False)
        return queryset


@admin.register(DeniedNetwork)
class DeniedNetworkAdmin(PortalAdminMixin, admin.ModelAdmin):
    list_display = ["network", "reason", "created_by", "created_at"]
    search_fields = ["reason"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DeniedNumber)
class DeniedNumberAdmin(PortalAdminMixin, admin.ModelAdmin):
    """Numbers barred from registration, typed in any format and kept in E.164; masked in the list."""

    form = DeniedNumberForm
    list_display = ["number_masked", "reason", "created_by", "created_at"]
    search_fields = ["reason"]  # replaced by search_by_term; declared so the search box shows
    search_help_text = _("A mobile number (any format) or words of the reason.")
    readonly_fields = ["created_by", "created_at"]

    def search_by_term(self, request, queryset, term):
        if not term.strip():
            return queryset, False
        try:
            return queryset.filter(msisdn=normalise_msisdn(term)), False
        except ValidationError:
            return queryset.filter(reason__icontains=term.strip()), False

    @admin.display(description=_("mobile number"), ordering="msisdn")
    def number_masked(self, denied: DeniedNumber) -> str:
        return ltr_html(mask_msisdn(denied.msisdn))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(IpAllocation)
class IpAllocationAdmin(PortalAdminMixin, admin.ModelAdmin):
    list_display = ["network", "country", "registry", "status", "allocated_on"]
    list_filter = ["registry", "status"]
    show_full_result_count = False


@admin.register(IpEntry)
class IpEntryAdmin(PortalAdminMixin, admin.ModelAdmin):
    """Entries to decide on. A number is masked in the list and whole on its page, where each viewing is recorded."""

    list_display = ["entry_display", "operator", "registration", "status", "valid_until"]
    list_filter = ["status", EntryKindFilter, "operator"]
    search_fields = ["registration__reference"]  # replaced by search_by_term
    search_help_text = _(
        "An IP address (entries containing it), a network (overlapping entries), a mobile number (any format) or a "
        "reference."
    )
    list_select_related = ["registration"]
    paginator = CappedCountPaginator
    network_fields = ("registration", "network", "status", "verification", "decided_at", "valid_until")
    number_fields = ("registration", "number", "operator", "status", "verification", "decided_at", "valid_until")
    readonly_fields = (*network_fields, "number", "operator")
    actions = ["approve", "reject", "revoke"]
    show_full_result_count = False

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.is_number:
            # The manual SIM-ownership backend leaves the check to the reviewer: the approval records it.
            note = _(
                "Approving this number confirms that you checked with the operator that its SIM is registered to "
                "the applicant's CNIC; the approval is recorded with your name."
            )
            return [(None, {"fields": self.number_fields, "description": note})]
        return [(None, {"fields": self.network_fields})]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        entry = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and isinstance(entry, IpEntry) and entry.is_number:
            services.number_viewed(entry=entry, viewer=request.user)
        return response

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("vpn_records.decide_ipentry")

    def search_by_term(self, request, queryset, term):
        if not term.strip():
            return queryset, False
        return entries_search_for_staff(queryset=queryset, term=term), False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("vpn_records.revoke_ipentry")

    @admin.display(description=_("address, network or number"), ordering="network")
    def entry_display(self, entry: IpEntry) -> str:
        return ltr_html(entry.display)

    @admin.display(description=_("mobile number"))
    def number(self, entry: IpEntry) -> str:
        return ltr_html(entry.msisdn)

    @admin.display(description=_("verification"))
    def verification(self, entry: IpEntry) -> str:
        return findings_html(entry.reasons)

    @admin.action(description=_("Approve selected entries"), permissions=["decide"])
    def approve(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Approve entries"),
            needs_reason=False,
            apply=lambda objects, _reason: services.entries_decide(entries=objects, actor=request.user, approve=True),
        )

    @admin.action(description=_("Reject selected entries"), permissions=["decide"])
    def reject(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Reject entries"),
            needs_reason=True,
            apply=lambda objects, reason: services.entries_decide(
                entries=objects, actor=request.user, approve=False, reason=reason
            ),
        )

    @admin.action(description=_("Revoke selected approvals"), permissions=["revoke"])
    def revoke(self, request, queryset):
        return decision_action(
            self,
            request,
            queryset,
            title=_("Revoke approvals"),
            needs_reason=True,
            apply=lambda objects, reason: [
                services.entry_revoke(entry=entry, actor=request.user, reason=reason) for entry in objects
            ],
        )


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    """The decision record: every status change with who, when and why. Read-only for everyone."""

    list_display = ["created_at", "registration", "subject", "from_status", "to_status", "actor", "reason"]
    list_filter = ["to_status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["registration", "actor"]
    search_fields = ["registration__reference"]
    paginator = CappedCountPaginator
    show_full_result_count = False


@admin.register(NumberView)
class NumberViewAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    """Who saw a whole mobile number, and when: for auditors. Read-only for everyone."""

    list_display = ["viewed_at", "viewer", "entry", "registration"]
    list_filter = [("viewed_at", admin.DateFieldListFilter)]
    list_select_related = ["viewer", "entry__registration"]
    search_fields = ["viewer__email"]  # replaced by search_by_term; declared so the search box shows
    search_help_text = _("A mobile number (any format), a reference or a viewer's email.")
    paginator = CappedCountPaginator
    show_full_result_count = False

    def search_by_term(self, request, queryset, term):
        term = term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(entry__msisdn=normalise_msisdn(term)), False
        except ValidationError:
            pass
        if term.upper().startswith("VPN-"):
            return queryset.filter(entry__registration__reference__iexact=term), False
        return queryset.filter(viewer__email__iexact=term), False

    @admin.display(description=_("registration"), ordering="entry__registration__reference")
    def registration(self, view: NumberView) -> str:
        return view.entry.registration.reference
