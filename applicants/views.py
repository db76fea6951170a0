from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import PortalError

from . import services, throttles, tokens
from .forms import (
    CompanySignUpForm,
    EmailChangeForm,
    FreelancerSignUpForm,
    LoginForm,
    MobileChangeForm,
    OutboxPasswordResetForm,
    PasswordChangeForm,
    ProfileForm,
    ReauthenticationForm,
    ResendConfirmationForm,
    TeamMemberForm,
    TokenForm,
)
from .http import SignedInRequest
from .models import Applicant, User

SIGN_UP_FORMS: dict[str, type[FreelancerSignUpForm | CompanySignUpForm]] = {
    Applicant.Kind.FREELANCER: FreelancerSignUpForm,
    Applicant.Kind.COMPANY: CompanySignUpForm,
}


def sign_up_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "applicants/sign_up_choice.html")


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = SIGN_UP_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST":
        try:
            throttles.count_attempt(request, action="sign_up", email=request.POST.get("email", ""))
        except throttles.TooManyAttempts as refused:
            return throttles.too_many_attempts_page(request, refused)
    if request.method == "POST" and form.is_valid():
        # The same page whether or not the address already has an account; its owner is told by email.
        services.applicant_sign_up(
            kind=kind,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            user_name=form.account_name(),
            language=form.cleaned_data["language"],
            profile=form.profile_data(),
            site_url=settings.SITE_URL,
        )
        return render(request, "applicants/check_email.html", {"email": form.cleaned_data["email"]})
    return render(request, "applicants/sign_up.html", {"form": form, "kind": Applicant.Kind(kind)})


def confirm_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
        services.user_confirm_email(user=user, token=token)
    except (User.DoesNotExist, ValueError, PortalError):
        messages.error(request, _("This confirmation link is invalid or has expired. Ask for a new one below."))
        return redirect("applicants:resend_confirmation")
    if user.is_staff_account:  # staff sign in only through the staff sign-in, with their one-time password
        return redirect("admin:login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("vpn_records:dashboard")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    form = ResendConfirmationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            throttles.count_attempt(request, action="resend_confirmation", email=request.POST.get("email", ""))
        except throttles.TooManyAttempts as refused:
            return throttles.too_many_attempts_page(request, refused)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email__iexact=form.cleaned_data["email"], email_confirmed_at__isnull=True).first()
        if user is not None:
            services.user_send_confirmation(user=user, site_url=settings.SITE_URL)
        # Same answer either way, so the form does not reveal who has an account.
        return render(request, "applicants/check_email.html", {"email": form.cleaned_data["email"]})
    return render(request, "applicants/resend_confirmation.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "applicants/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "applicants/password_reset.html"
    success_url = reverse_lazy("applicants:password_reset_done")

    def post(self, request, *args, **kwargs):
        try:
            throttles.count_attempt(request, action="password_reset", email=request.POST.get("email", ""))
        except throttles.TooManyAttempts as refused:
            return throttles.too_many_attempts_page(request, refused)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "applicants/password_reset_confirm.html"
    success_url = reverse_lazy("applicants:password_reset_complete")

    def form_valid(self, form):
        # A colleague invited to a company account proves their email address by using the link.
        invited = form.user.email_confirmed_at is None
        if invited:
            form.user.email_confirmed_at = timezone.now()
            form.user.is_active = True
        response = super().form_valid(form)
        if not invited:  # an invitation sets the first password: there was nothing to reset
            services.user_after_password_reset(user=form.user)
        return response


def _account_change(
    request: SignedInRequest, form_class: type[ReauthenticationForm], *, title: str, intro: str, button: str
) -> tuple[ReauthenticationForm, HttpResponse | None]:
    """The shared part of the account changes: the form, the attempt counted (it checks the current password), and
    the page to show; no page when the form is valid, for the view to act on it."""
    form = form_class(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        try:
            throttles.count_attempt(request, action="account_change", email=request.user.email)
        except throttles.TooManyAttempts as refused:
            return form, throttles.too_many_attempts_page(request, refused)
        if form.is_valid():
            return form, None
    context = {"form": form, "title": title, "intro": intro, "button": button}
    return form, render(request, "applicants/account_change.html", context)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: SignedInRequest) -> HttpResponse:
    form, page = _account_change(
        request,
        PasswordChangeForm,
        title=_("Change your password"),
        intro=_("You stay signed in here; every other browser signed in to your account is signed out."),
        button=_("Change password"),
    )
    if page is not None:
        return page
    revoked = services.user_change_password(
        user=request.user, password=form.cleaned_data["new_password1"], revoke_tokens=form.cleaned_data["revoke_tokens"]
    )
    update_session_auth_hash(request, request.user)
    messages.success(request, _("Your password is changed. Other browsers signed in to your account are signed out."))
    if revoked:
        messages.success(request, _("Your API tokens are revoked."))
    return redirect("applicants:profile")


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: SignedInRequest) -> HttpResponse:
    form, page = _account_change(
        request,
        EmailChangeForm,
        title=_("Change your email address"),
        intro=_("We email a link to the new address. Your address changes when you follow it."),
        button=_("Send the link"),
    )
    if page is not None:
        return page
    new_email = form.cleaned_data["new_email"]
    services.user_request_email_change(user=request.user, new_email=new_email, site_url=settings.SITE_URL)
    messages.success(
        request, _("We emailed a link to %(email)s. Follow it to change your address.") % {"email": new_email}
    )
    return redirect("applicants:profile")


@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST makes the change, so a mail scanner that follows links changes nothing."""
    if request.method == "GET":
        return render(request, "applicants/email_change_confirm.html")
    try:
        services.user_confirm_email_change(token=token)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("applicants:profile" if request.user.is_authenticated else "applicants:login")
    messages.success(request, _("Your email address is changed. Sign in with the new one from now on."))
    return redirect("applicants:profile" if request.user.is_authenticated else "applicants:login")


@login_required
@require_http_methods(["GET", "POST"])
def mobile_change(request: SignedInRequest) -> HttpResponse:
    if request.user.applicant_id is None:
        messages.error(request, _("Only applicant accounts have a mobile number here."))
        return redirect("applicants:profile")
    form, page = _account_change(
        request,
        MobileChangeForm,
        title=_("Change the mobile number"),
        intro=_("Text messages about your registrations go to this number. Everyone on the account is told by email."),
        button=_("Change mobile number"),
    )
    if page is not None:
        return page
    services.applicant_change_mobile(user=request.user, mobile=form.cleaned_data["mobile"])
    messages.success(request, _("The mobile number is changed."))
    return redirect("applicants:profile")


@never_cache  # the CNIC and mobile number in full: kept out of browser and proxy caches
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        response = redirect("applicants:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax")
        return response
    return render(request, "applicants/profile.html", {"form": form, "applicant": request.user.applicant})


@login_required
@require_http_methods(["GET", "POST"])
def team(request: SignedInRequest) -> HttpResponse:
    applicant = request.user.applicant
    if applicant is None or applicant.kind != Applicant.Kind.COMPANY:
        messages.error(request, _("Only company accounts have a team."))
        return redirect("applicants:profile")
    form = TeamMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.company_member_add(by=request.user, site_url=settings.SITE_URL, **form.cleaned_data)
        except PortalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("We emailed %(email)s a link to choose a password.") % {"email": member.email})
            return redirect("applicants:team")
    return render(request, "applicants/team.html", {"form": form, "members": applicant.members.order_by("date_joined")})


@never_cache  # a key just issued is on this page, and only here
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: SignedInRequest) -> HttpResponse:
    """The applicant's own API tokens: issue one (its key is on this response only) or revoke one."""
    if request.user.applicant_id is None:
        messages.error(request, _("Only applicant accounts hold API tokens here."))
        return redirect("applicants:profile")
    form, issued_key = TokenForm(request.POST if "issue" in request.POST else None), None
    if "revoke" in request.POST:
        token_id = request.POST["revoke"]
        if not token_id.isdigit():
            raise Http404("No such token.")
        token = get_object_or_404(tokens.tokens_for_user(user=request.user), pk=token_id)
        tokens.token_revoke(token=token, actor=request.user)
        messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
        return redirect("applicants:api_tokens")
    if form.is_valid():
        _token, issued_key = tokens.token_issue_for_applicant(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "tokens": tokens.tokens_for_user(user=request.user),
        "issued_key": issued_key,
        "token_days": settings.API_TOKEN_APPLICANT_DAYS,
    }
    return render(request, "applicants/api_tokens.html", context)
