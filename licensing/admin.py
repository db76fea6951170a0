"""Staff review licence applications here: the queue (submitted and under review first), the documents a link
away (each opening recorded), the history, and actions. Reviewers recommend; supervisors grant, refuse, renew,
suspend, reinstate and revoke; a grant needs a second person."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import PortalAdminMixin, ReadOnlyAdminMixin
from core.bidi import bdi_html, ltr_html
from vpn_records.admin import form_action

from . import services
from .models import LicenceApplication, LicenceChange, LicenceDocument, LicenceDocumentView, LicenceStatus

S = LicenceStatus


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("The company sees it."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class GrantForm(OptionalReasonForm):
    conditions = forms.CharField(
        label=_("Licence conditions"),
        required=False,
        help_text=_("Leave empty for the standard conditions."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )


def _action(service, *, form_class=ReasonForm, title, done, permission: str, **fixed):
    """An admin action that asks for `form_class` on an intermediate page, then runs `service` on each selected
    application, all or none."""

    @admin.action(description=title, permissions=[permission])
    def run(modeladmin, request, queryset):
        return form_action(
            modeladmin,
            request,
            queryset,
            title=title,
            form_class=form_class,
            apply=lambda applications, form: [
                service(application=a, actor=request.user, **fixed, **form.cleaned_data) for a in applications
            ],
            done=lambda _count: done,
        )

    run.__name__ = f"{service.__name__}{'_' + '_'.join(map(str, fixed.values())) if fixed else ''}"
    return run


recommend_grant = _action(
    services.licence_recommend, form_class=OptionalReasonForm, title=_("Recommend for grant"),
    done=_("Recommended for grant."), permission="recommend", recommendation="grant",
)  # fmt: skip
recommend_refusal = _action(
    services.licence_recommend, title=_("Recommend refusal"), done=_("Recommended for refusal."),
    permission="recommend", recommendation="refuse",
)  # fmt: skip
request_information = _action(
    services.licence_request_information, title=_("Ask the company for information"),
    done=_("Sent back to the company."), permission="recommend",
)  # fmt: skip
grant = _action(
    services.licence_grant, form_class=GrantForm, title=_("Grant the licence"), done=_("Licence granted."),
    permission="grant",
)  # fmt: skip
refuse = _action(services.licence_refuse, title=_("Refuse"), done=_("Refused."), permission="grant")
renew = _action(
    services.licence_renew, form_class=OptionalReasonForm, title=_("Renew the licence"), done=_("Renewed."),
    permission="grant",
)  # fmt: skip
suspend = _action(services.licence_suspend, title=_("Suspend the licence"), done=_("Suspended."), permission="grant")
reinstate = _action(
    services.licence_reinstate, title=_("Reinstate the licence"), done=_("Reinstated."), permission="grant"
)
revoke = _action(services.licence_revoke, title=_("Revoke the licence"), done=_("Revoked."), permission="grant")


def document_url(document: LicenceDocument) -> str:
    return reverse("licensing:document", args=[document.application_id, document.pk])


class LicenceDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LicenceDocument
    fields = readonly_fields = ("kind", "link", "name", "size", "uploaded_at")
    extra = 0

    @admin.display(description=_("document"))
    def link(self, document: LicenceDocument) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', document_url(document), _("Open"))

    @admin.display(description=_("file name"))
    def name(self, document: LicenceDocument) -> str:
        return bdi_html(document.file_name)


class LicenceChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LicenceChange
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor", "reason")
    extra = 0


@admin.register(LicenceApplication)
class LicenceApplicationAdmin(PortalAdminMixin, admin.ModelAdmin):
    list_display = [
        "id", "trade_name", "company", "scope_text", "clientele", "fee", "status", "recommendation", "submitted_at",
        "number",
    ]  # fmt: skip
    list_filter = ["status", "scope", "clientele", "recommendation"]
    search_fields = ["trade_name", "applicant__legal_name", "=licence_number"]
    search_help_text = _("A trade name, company name or licence number.")
    list_select_related = ["applicant"]
    inlines = [LicenceDocumentInline, LicenceChangeInline]
    actions = [
        recommend_grant, recommend_refusal, request_information, grant, refuse, renew, suspend, reinstate, revoke,
    ]  # fmt: skip
    readonly_fields = (
        "company", "trade_name", "scope_text", "clientele", "data_centres_text", "gateways_text",
        "technical_contact_name", "technical_contact_email", "technical_contact_mobile", "fee_reference", "fee",
        "status", "submitted_at", "recommendation", "recommended_by", "recommended_at", "licence_number",
        "granted_by", "granted_at", "valid_from", "valid_until", "conditions", "gateway_registration",
    )  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request):
        waiting = Case(
            When(status__in=[S.SUBMITTED, S.UNDER_REVIEW], then=Value(0)),
            When(status=S.INFORMATION_REQUESTED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(waiting=waiting).order_by("waiting", "submitted_at", "id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Nothing is edited in place: every change is an action, through a service that records it.
        return obj is None and self.has_view_permission(request)

    def has_recommend_permission(self, request) -> bool:
        return request.user.has_perm("licensing.recommend_licenceapplication")

    def has_grant_permission(self, request) -> bool:
        return request.user.has_perm("licensing.grant_licenceapplication")

    @admin.display(description=_("company"), ordering="applicant__legal_name")
    def company(self, application: LicenceApplication) -> str:
        return bdi_html(application.applicant.legal_name)

    @admin.display(description=_("scope"))
    def scope_text(self, application: LicenceApplication) -> str:
        return application.scope_display

    @admin.display(description=_("licence number"), ordering="licence_number")
    def number(self, application: LicenceApplication) -> str:
        return ltr_html(application.licence_number) if application.licence_number else "—"

    @admin.display(description=_("data centres in Pakistan"))
    def data_centres_text(self, application: LicenceApplication) -> str:
        return format_html_join("", "<div><bdi>{}</bdi></div>", ((place,) for place in application.data_centres))

    @admin.display(description=_("gateway networks"))
    def gateways_text(self, application: LicenceApplication) -> str:
        return format_html_join("", '<div dir="ltr">{}</div>', ((network,) for network in application.gateways))


@admin.register(LicenceChange)
class LicenceChangeAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "application", "from_status", "to_status", "actor", "reason"]
    list_filter = ["to_status"]
    list_select_related = ["application", "actor"]


@admin.register(LicenceDocumentView)
class LicenceDocumentViewAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "viewer", "document"]
    list_select_related = ["viewer", "document__application"]
    search_fields = ["viewer__email", "=document__application__licence_number"]
