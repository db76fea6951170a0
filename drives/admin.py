"""Supervisors set the window here, with a reason that goes into its history; auditors read the history."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdminMixin
from core.errors import PortalError

from . import services
from .models import RegistrationWindow, WindowChange

WINDOW_FIELDS = [
    "opens_on",
    "deadline",
    "grace_until",
    "after_grace",
    "enforcement_from",
    "notice_en",
    "notice_ur",
]


class RegistrationWindowForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for this change"),
        help_text=_("Kept in the window's history with your name."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = RegistrationWindow
        fields = WINDOW_FIELDS

    def clean(self):
        cleaned = super().clean() or {}
        dates = ("deadline", "grace_until", "after_grace", "opens_on", "enforcement_from")
        if all(name in cleaned for name in dates):
            try:
                services.window_validate(**{name: cleaned[name] for name in dates})
            except PortalError as error:
                raise ValidationError({error.field: error.message} if error.field else error.message) from error
        return cleaned


@admin.register(RegistrationWindow)
class RegistrationWindowAdmin(admin.ModelAdmin):
    form = RegistrationWindowForm
    list_display = ["__str__", "deadline", "grace_until", "after_grace", "enforcement_from", "changed_at"]
    readonly_fields = ["extended_from", "changed_at"]
    fields = [*WINDOW_FIELDS, "extended_from", "changed_at", "reason"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not RegistrationWindow.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Every change goes through the service, which writes the audit row and tells applicants of an extension.
        fields = {name: form.cleaned_data[name] for name in [*WINDOW_FIELDS, "reason"]}
        services.window_set(actor=request.user, via=WindowChange.Via.ADMIN, **fields)
        obj.pk = 1


@admin.register(WindowChange)
class WindowChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor", "via", "reason", "summary"]
    list_filter = ["via"]
    fields = ("created_at", "actor", "via", "reason", "before_json", "after_json")
    readonly_fields = fields
    list_select_related = ["actor"]

    @admin.display(description=_("change"))
    def summary(self, change: WindowChange) -> str:
        before = change.before or {}
        changed = [name for name, value in change.after.items() if before.get(name) != value]
        labels = {field.name: str(field.verbose_name) for field in RegistrationWindow._meta.concrete_fields}
        return ", ".join(labels.get(name, name) for name in changed)

    @admin.display(description=_("before"))
    def before_json(self, change: WindowChange) -> str:
        return format_html("<pre>{}</pre>", json.dumps(change.before, indent=2, ensure_ascii=False))

    @admin.display(description=_("after"))
    def after_json(self, change: WindowChange) -> str:
        return format_html("<pre>{}</pre>", json.dumps(change.after, indent=2, ensure_ascii=False))
