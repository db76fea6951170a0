from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from phonenumber_field.formfields import PhoneNumberField

from .models import Applicant, User
from .validators import normalize_cnic, normalize_ntn, validate_pk_mobile


class CnicField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 15)
        kwargs.setdefault("help_text", _("13 digits, with or without dashes: 35202-1234567-3."))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "placeholder": "35202-1234567-3", "dir": "ltr"}
        )

    def clean(self, value):
        return normalize_cnic(super().clean(value))


class NtnField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 9)
        kwargs.setdefault("help_text", _("7 digits, optionally with the check digit: 1234567-8."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr"})

    def clean(self, value):
        return normalize_ntn(super().clean(value))


class MobileField(PhoneNumberField):
    default_validators = [validate_pk_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("region", "PK")
        kwargs.setdefault("help_text", _("A Pakistani mobile number that can receive SMS: 0300 1234567."))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "placeholder": "0300 1234567", "dir": "ltr"}
        )
        self.error_messages["invalid"] = _("Enter a valid mobile number, for example 0300 1234567.")


def check_new_password(form: forms.Form, first_field: str, second_field: str, *, user: User) -> None:
    """A new password typed twice: the same both times, and passing AUTH_PASSWORD_VALIDATORS for this user."""
    first, second = form.cleaned_data.get(first_field), form.cleaned_data.get(second_field)
    if first and second and first != second:
        form.add_error(second_field, ValidationError(_("The two passwords differ."), code="password_mismatch"))
    elif first:
        try:
            password_validation.validate_password(first, user)
        except ValidationError as error:
            form.add_error(first_field, error)


class AccountForm(forms.Form):
    """The login part of sign-up, shared by both applicant kinds."""

    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)

    def clean_email(self) -> str:
        # Whether the address has an account is not said here: the email sent to it says so.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        check_new_password(self, "password1", "password2", user=User(email=cleaned.get("email", "")))
        return cleaned

    def profile_data(self) -> dict:
        account_fields = {"email", "password1", "password2", "language", "user_name"}
        return {name: value for name, value in self.cleaned_data.items() if name not in account_fields}


class FreelancerSignUpForm(AccountForm):
    full_name = forms.CharField(label=_("Full name (as on CNIC)"), max_length=150)
    cnic = CnicField(label=_("CNIC"))
    mobile = MobileField(label=_("Mobile number"))
    city = forms.CharField(label=_("City"), max_length=100)
    pseb_number = forms.CharField(label=_("PSEB registration number (optional)"), max_length=50, required=False)

    kind = Applicant.Kind.FREELANCER

    def account_name(self) -> str:
        return self.cleaned_data["full_name"]


class CompanySignUpForm(AccountForm):
    user_name = forms.CharField(label=_("Your name"), max_length=150)
    legal_name = forms.CharField(label=_("Company legal name"), max_length=200)
    ntn = NtnField(label=_("NTN"))
    secp_number = forms.CharField(label=_("SECP registration number"), max_length=50)
    address = forms.CharField(label=_("Registered address"), widget=forms.Textarea(attrs={"rows": 3}))
    authorised_person_name = forms.CharField(label=_("Authorised person's name"), max_length=150)
    authorised_person_cnic = CnicField(label=_("Authorised person's CNIC"))
    mobile = MobileField(label=_("Authorised person's mobile number"))
    city = forms.CharField(label=_("City"), max_length=100)

    kind = Applicant.Kind.COMPANY

    def account_name(self) -> str:
        return self.cleaned_data["user_name"]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        "invalid_login": _("The email address or password is not right. Passwords are case-sensitive."),
        "inactive": _("Please confirm your email address first: follow the link we emailed you."),
        "staff_account": _("Staff accounts sign in at the staff sign-in page, with their one-time password."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        # The staff sign-in asks for the one-time password; this page does not, so it never signs staff in.
        super().confirm_login_allowed(user)
        if user.is_staff_account:
            raise ValidationError(self.error_messages["staff_account"], code="staff_account")

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password", "")
            user = User.objects.filter(email__iexact=email or "").first()
            if user and not user.is_active and user.email_confirmed_at is None and user.check_password(password):
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset that queues its email in the notification outbox instead of sending in the request."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        from notifications.services import notification_queue_email

        user = context["user"]
        notification_queue_email(
            event="password_reset",
            to_address=to_email,
            context={"user": user, "link": context["protocol"] + "://" + context["domain"] + _reset_path(context)},
            idempotency_key=f"password_reset:{user.pk}:{context['token']}",
            user=user,
            language=user.language,
        )


def _reset_path(context: dict) -> str:
    from django.urls import reverse

    return reverse("applicants:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]


class TeamMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this email already exists."), code="email_taken")
        return email


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What is it for?"), max_length=100, help_text=_("For example “office server” or “CI pipeline”.")
    )


class ReauthenticationForm(forms.Form):
    """A change to the account asks for the current password, and for staff the one-time password too: a session
    left open on a shared computer must not be enough to take the account over."""

    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_staff_account and settings.STAFF_2FA_REQUIRED:
            self.fields["otp_token"] = forms.CharField(
                label=_("One-time password"),
                max_length=16,
                help_text=_("The 6-digit code from your authenticator app, or a backup code."),
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
            )

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Your current password is not right."), code="password_incorrect")
        return password

    def clean_otp_token(self) -> str:
        code = self.cleaned_data["otp_token"].strip()
        if match_token(self.user, code) is None:
            raise ValidationError(_("This one-time password is not right, or was already used."), code="otp_invalid")
        return code


class PasswordChangeForm(ReauthenticationForm):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke all my API tokens"),
        required=False,
        help_text=_("Do this if you think someone else may have used your account."),
    )

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, "new_password1", "new_password2", user=self.user)
        return cleaned


class EmailChangeForm(ReauthenticationForm):
    new_email = forms.EmailField(
        label=_("New email address"),
        help_text=_("We send a link to it; the change is made when you follow the link."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = ["new_email", "current_password", "otp_token"]

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email.lower():
            raise ValidationError(_("This is already your email address."), code="same_email")
        return email


class MobileChangeForm(ReauthenticationForm):
    mobile = MobileField(label=_("New mobile number"))

    field_order = ["mobile", "current_password", "otp_token"]
