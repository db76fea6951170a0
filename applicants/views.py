from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
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

from registration_portal.errors import PortalError

from . import services, tokens
from .forms import (
    CompanySignUpForm,
    FreelancerSignUpForm,
    LoginForm,
    OutboxPasswordResetForm,
    ProfileForm,
    ResendConfirmationForm,
    TeamMemberForm,
    TokenForm,
)
from .models import Applicant, User

SIGN_UP_FORMS = {Applicant.Kind.FREELANCER: FreelancerSignUpForm, Applicant.Kind.COMPANY: CompanySignUpForm}


def sign_up_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "applicants/sign_up_choice.html")


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = SIGN_UP_FORMS[kind]
    form = form_class(request.POST if request.method == "POST" else None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
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
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your email address is confirmed. Welcome!"))
    return redirect("vpn_records:dashboard")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    form = ResendConfirmationForm(request.POST if request.method == "POST" else None)
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


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "applicants/password_reset_confirm.html"
    success_url = reverse_lazy("applicants:password_reset_complete")

    def form_valid(self, form):
        # A colleague invited to a company account proves their email address by using the link.
        if form.user.email_confirmed_at is None:
            form.user.email_confirmed_at = timezone.now()
            form.user.is_active = True
        return super().form_valid(form)


@never_cache  # the CNIC and mobile number in full: kept out of browser and proxy caches
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
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
def team(request: HttpRequest) -> HttpResponse:
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
def api_tokens(request: HttpRequest) -> HttpResponse:
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
