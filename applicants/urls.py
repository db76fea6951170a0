from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .models import Applicant

app_name = "applicants"

urlpatterns = [
    path("signup/", views.sign_up_choice, name="sign_up"),
    path("signup/freelancer/", views.sign_up, {"kind": Applicant.Kind.FREELANCER}, name="sign_up_freelancer"),
    path("signup/company/", views.sign_up, {"kind": Applicant.Kind.COMPANY}, name="sign_up_company"),
    path("confirm/resend/", views.resend_confirmation, name="resend_confirmation"),
    path("confirm/<uidb64>/<token>/", views.confirm_email, name="confirm_email"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="applicants/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="applicants/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("email/", views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("mobile/", views.mobile_change, name="mobile_change"),
    path("team/", views.team, name="team"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
]
