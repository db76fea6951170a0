from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from registration_portal.admin_site import ReadOnlyAdminMixin

from .models import Applicant, PersonalDataView, User
from .validators import format_cnic, mask_phone


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class ApplicantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """CNIC and mobile are masked in the list; the detail page shows them whole and records who looked."""

    list_display = ["__str__", "kind", "cnic_masked", "mobile_masked", "city", "created_at"]
    list_filter = ["kind"]
    search_fields = ["full_name", "legal_name", "ntn", "secp_number"]
    fields = [
        "kind",
        "full_name",
        "legal_name",
        "cnic_whole",
        "mobile_whole",
        "city",
        "pseb_number",
        "ntn",
        "secp_number",
        "address",
        "authorised_person_name",
        "created_at",
    ]
    readonly_fields = fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and object_id.isdigit():
            PersonalDataView.objects.create(viewer=request.user, applicant_id=int(object_id))
        return response

    @admin.display(description=_("CNIC"))
    def cnic_masked(self, applicant: Applicant) -> str:
        return applicant.cnic_masked

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, applicant: Applicant) -> str:
        return mask_phone(applicant.mobile)

    @admin.display(description=_("CNIC"))
    def cnic_whole(self, applicant: Applicant) -> str:
        return format_cnic(applicant.identity_cnic)

    @admin.display(description=_("mobile number"))
    def mobile_whole(self, applicant: Applicant) -> str:
        return str(applicant.mobile)


@admin.register(PersonalDataView)
class PersonalDataViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["viewed_at", "viewer", "applicant"]
    list_select_related = ["viewer", "applicant"]
