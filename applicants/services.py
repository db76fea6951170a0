"""Every write about accounts and applicants."""

from __future__ import annotations

import logging

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from notifications.services import notification_queue_email
from registration_portal.errors import PortalError

from .models import Applicant, User

logger = logging.getLogger(__name__)


def _token_link(*, user: User, site_url: str, url_name: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url + reverse(url_name, kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def applicant_sign_up(
    *, kind: str, email: str, password: str, user_name: str, language: str, profile: dict, site_url: str
) -> User:
    """Create an applicant and its first, unconfirmed user; email the confirmation link after commit."""
    applicant = Applicant(kind=kind, **profile)
    applicant.full_clean()
    applicant.save()
    user = User.objects.create_user(
        email=email, password=password, full_name=user_name, applicant=applicant, language=language, is_active=False
    )
    user_send_confirmation(user=user, site_url=site_url)
    logger.info("applicant %s signed up (%s, CNIC %s)", applicant.pk, kind, applicant.cnic_masked)
    return user


def user_send_confirmation(*, user: User, site_url: str) -> None:
    link = _token_link(user=user, site_url=site_url, url_name="applicants:confirm_email")
    notification_queue_email(
        event="email_confirmation",
        to_address=user.email,
        context={"user": user, "link": link},
        idempotency_key=f"email_confirmation:{user.pk}:{link.rsplit('/', 2)[-2]}",
        user=user,
        language=user.language,
    )


@transaction.atomic
def user_confirm_email(*, user: User, token: str) -> User:
    if not default_token_generator.check_token(user, token):
        raise PortalError(
            _("This confirmation link is invalid or has expired. Ask for a new one below."), code="bad_token"
        )
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.is_active = True
        user.save(update_fields=["email_confirmed_at", "is_active"])
    return user


@transaction.atomic
def company_member_add(*, by: User, email: str, full_name: str, site_url: str) -> User:
    """Give a colleague an account on the same company; they choose a password from the emailed link."""
    if by.applicant is None or by.applicant.kind != Applicant.Kind.COMPANY:
        raise PortalError(_("Only company accounts can add colleagues."), code="not_company")
    member = User.objects.create_user(
        email=email, password=None, full_name=full_name, applicant=by.applicant, language=by.language
    )
    link = _token_link(user=member, site_url=site_url, url_name="applicants:password_reset_confirm")
    notification_queue_email(
        event="team_invitation",
        to_address=member.email,
        context={"user": member, "inviter": by, "company": by.applicant, "link": link},
        idempotency_key=f"team_invitation:{member.pk}",
        user=member,
        language=member.language,
    )
    return member


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
