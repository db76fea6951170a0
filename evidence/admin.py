"""Staff see a registration's documents on its page and under Documents (searched by reference): pictures
previewed, PDFs a link away; every opening goes through the file view, which records it."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import PortalAdminMixin, ReadOnlyAdminMixin
from core.bidi import bdi_html
from vpn_records.admin import form_action
from vpn_records.models import Registration

from . import services
from .models import Document, DocumentKind, DocumentRequirement, DocumentView


def _file_url(document: Document) -> str:
    return reverse("evidence:file", args=[document.registration.reference, document.pk])


def _preview(document: Document) -> str:
    url = _file_url(document)
    if document.is_image:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" width="160"></a>',
            url,
            url,
            document.get_kind_display(),
        )
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the PDF"))


class DocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Document
    fields = readonly_fields = ("kind", "preview", "name", "size", "uploaded_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(purged_at__isnull=True).select_related("registration")

    @admin.display(description=_("document"))
    def preview(self, document: Document) -> str:
        return _preview(document)

    @admin.display(description=_("file name"))
    def name(self, document: Document) -> str:
        return bdi_html(document.file_name)


class DocumentRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document needed"), choices=DocumentKind.choices)
    details = forms.CharField(
        label=_("Details for the applicant"), required=False, max_length=1500, widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.action(description=_("Ask for a document"), permissions=["decide"])
def ask_for_document(modeladmin, request, queryset):
    """Send the selected registrations back for a missing or unreadable document, after asking which."""
    return form_action(
        modeladmin,
        request,
        queryset,
        title=_("Ask for a document"),
        form_class=DocumentRequestForm,
        apply=lambda registrations, form: [
            services.document_request(registration=r, actor=request.user, **form.cleaned_data) for r in registrations
        ],
        done=lambda _count: _("Sent back to the applicant for the document."),
    )


# vpn_records may not import this app, so its registration page is given the documents and the request for one.
_RegistrationAdmin = type(admin.site.get_model_admin(Registration))
_RegistrationAdmin.inlines = [*_RegistrationAdmin.inlines, DocumentInline]
_RegistrationAdmin.actions = [*(_RegistrationAdmin.actions or []), ask_for_document]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    list_display = ["registration_reference", "kind", "preview", "name", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type", "registration__status"]
    search_fields = ["=registration__reference"]
    list_select_related = ["registration"]
    readonly_fields = (
        "registration_reference", "kind", "preview", "name", "content_type", "size", "uploaded_by", "uploaded_at",
    )  # fmt: skip
    fields = readonly_fields
    search_help_text = _("A registration's reference, such as VPN-2026-000123.")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(purged_at__isnull=True)

    @admin.display(description=_("registration"), ordering="registration__reference")
    def registration_reference(self, document: Document) -> str:
        url = reverse("admin:vpn_records_registration_change", args=[document.registration_id])
        return format_html('<a href="{}" dir="ltr">{}</a>', url, document.registration.reference)

    @admin.display(description=_("file name"))
    def name(self, document: Document) -> str:
        return bdi_html(document.file_name)

    @admin.display(description=_("document"))
    def preview(self, document: Document) -> str:
        return _preview(document)


@admin.register(DocumentView)
class DocumentViewAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "viewer", "document"]
    list_select_related = ["viewer", "document__registration"]
    search_fields = ["=document__registration__reference", "viewer__email"]


@admin.register(DocumentRequirement)
class DocumentRequirementAdmin(PortalAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "applicant_kind", "purpose", "required"]
    list_filter = ["applicant_kind", "purpose", "required"]
