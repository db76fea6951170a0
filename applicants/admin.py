from datetime import timedelta
from typing import cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import PortalAdminMixin, ReadOnlyAdminMixin
from core.bidi import ltr_html

from .models import ApiToken, Applicant, OperatorAccount, PersonalDataView, User
from .selectors import applicants_search_for_staff
from .tokens import token_issue, token_revoke
from .validators import format_cnic, mask_phone


@admin.register(User)
class UserAdmin(PortalAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "applicant", "is_staff", "is_active", "email_confirmed_at"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    raw_id_fields = ["applicant"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "applicant", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["email_confirmed_at", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Applicant)
class ApplicantAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    """CNIC and mobile are masked in the list; the detail page shows them whole and records who looked."""

    list_display = ["__str__", "kind", "cnic_masked", "mobile_masked", "city", "created_at"]
    list_filter = ["kind"]
    search_fields = ["full_name"]  # replaced by search_by_term; declared so the search box shows
    search_help_text = _("A CNIC or mobile number (any format), a name, an NTN or SECP number.")
    fields = (
        "kind",
        "full_name",
        "legal_name",
        "cnic_whole",
        "mobile_whole",
        "city",
        "pseb_number",
        "ntn_whole",
        "secp_number",
        "address",
        "authorised_person_name",
        "created_at",
    )
    readonly_fields = fields

    def search_by_term(self, request, queryset, term):
        if not term.strip():
            return queryset, False
        return applicants_search_for_staff(queryset=queryset, term=term), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and object_id.isdigit():
            PersonalDataView.objects.create(viewer=request.user, applicant_id=int(object_id))
        return response

    @admin.display(description=_("CNIC"))
    def cnic_masked(self, applicant: Applicant) -> str:
        return ltr_html(applicant.cnic_masked)

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, applicant: Applicant) -> str:
        return ltr_html(mask_phone(applicant.mobile))

    @admin.display(description=_("CNIC"))
    def cnic_whole(self, applicant: Applicant) -> str:
        return ltr_html(format_cnic(applicant.identity_cnic))

    @admin.display(description=_("mobile number"))
    def mobile_whole(self, applicant: Applicant) -> str:
        return ltr_html(applicant.mobile)

    @admin.display(description=_("NTN"))
    def ntn_whole(self, applicant: Applicant) -> str:
        return ltr_html(applicant.ntn) if applicant.ntn else "-"


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(ReadOnlyAdminMixin, PortalAdminMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "viewer", "applicant"]
    list_select_related = ["viewer", "applicant"]


class OperatorAccountForm(forms.ModelForm):
    full_name = forms.CharField(label=_("organisation"), max_length=150)

    class Meta:
        model = OperatorAccount
        fields = ["email", "full_name", "mobile_operator", "is_active"]


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    fk_name = "user"
    fields = ("prefix", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OperatorAccount)
class OperatorAccountAdmin(PortalAdminMixin, admin.ModelAdmin):
    """ISPs and firewall teams: an account without a password, which holds whitelist tokens."""

    form = OperatorAccountForm
    list_display = ["email", "full_name", "mobile_operator", "is_active", "date_joined"]
    list_filter = ["is_active", "mobile_operator"]
    search_fields = ["email", "full_name"]
    inlines = [ApiTokenInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.email = obj.email.lower()
            obj.is_operator = True
            obj.email_confirmed_at = timezone.now()
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: the account's tokens and their use stay on record


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Applicants issue their own with their password; supervisors issue operators' and staff's.
        user_field = cast(forms.ModelChoiceField, self.fields["user"])
        operators_and_staff = User.objects.filter(Q(is_operator=True) | Q(is_staff=True), is_active=True)
        user_field.queryset = operators_and_staff.order_by("email")
        user_field.help_text = _("An operator account, or a staff account for the review API.")
        self.fields["expires_at"].initial = lambda: timezone.now() + timedelta(days=365)
        self.fields["expires_at"].help_text = _("Empty: never expires. A year is usual.")

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."), code="expiry_in_past")
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(PortalAdminMixin, admin.ModelAdmin):
    """Issued here, shown once on the page that follows, never again; revoked with the list's action."""

    list_display = ["prefix", "name", "user", "scope", "state", "created_at", "expires_at", "last_used_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__email"]
    actions = ["revoke"]
    readonly_fields = [
        "prefix", "name", "user", "scope", "created_by", "created_at", "expires_at", "last_used_at",
        "revoked_at", "revoked_by",
    ]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ApiTokenAddForm.Meta.fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        token, key = token_issue(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            created_by=request.user,
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk, obj.prefix, obj.scope = token.pk, token.prefix, token.scope
        request._issued_key = key

    def save_related(self, request, form, formsets, change) -> None:
        pass  # no relations beyond what token_issue wrote

    def response_add(self, request, obj, post_url_continue=None):
        """Show the key on this response only: it is not stored, and goes through no message or cookie."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token issued"),
            "token": obj,
            "key": request._issued_key,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/applicants/apitoken/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return gettext("revoked")
        return gettext("expired") if token.is_expired else gettext("active")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        tokens = [token for token in queryset if token.revoked_at is None]
        for token in tokens:
            token_revoke(token=token, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", len(tokens)) % {"count": len(tokens)},
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the record of who held a token stays
