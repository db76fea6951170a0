"""Every write about accounts and applicants."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core.errors import PortalError
from notifications.models import Notification
from notifications.services import notification_queue_email, notify_members

from . import tokens
from .models import Applicant, User
from .validators import mask_phone

logger = logging.getLogger(__name__)


def _token_link(*, user: User, site_url: str, url_name: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url + reverse(url_name, kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def applicant_sign_up(
    *, kind: str, email: str, password: str, user_name: str, language: str, profile: dict, site_url: str
) -> User | None:
    """Create an applicant and its first, unconfirmed user; email the confirmation link after commit.

    An email that already has an account gets a note saying someone tried, and None is returned: the page
    answers the same either way, in about the same time, so sign-up tells nobody who has an account.
    """
    email = email.strip().lower()
    holder = User.objects.filter(email__iexact=email).first()
    if holder is None:
        applicant = Applicant(kind=kind, **profile)
        applicant.full_clean()
        try:
            with transaction.atomic():
                applicant.save()
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    full_name=user_name,
                    applicant=applicant,
                    language=language,
                    is_active=False,
                )
        except IntegrityError:  # the same email signed up a moment ago
            holder = User.objects.get(email__iexact=email)
        else:
            user_send_confirmation(user=user, site_url=site_url)
            logger.info("applicant %s signed up (%s, CNIC %s)", applicant.pk, kind, applicant.cnic_masked)
            return user
    # As long as creating the account would have taken: hashing the password is most of it.
    make_password(password)
    _tell_holder_someone_tried(holder=holder, site_url=site_url)
    return None


def _tell_holder_someone_tried(*, holder: User, site_url: str) -> None:
    """One note a day at most, so the form cannot be used to flood someone's inbox."""
    notification_queue_email(
        event="account_exists",
        to_address=holder.email,
        context={"user": holder, "login": site_url + reverse("applicants:login"),
                 "reset": site_url + reverse("applicants:password_reset")},
        idempotency_key=f"account_exists:{holder.pk}:{timezone.localdate().isoformat()}",
        user=holder,
        language=holder.language,
    )  # fmt: skip


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


def _left_to_right(text: str) -> str:
    """Isolated left-to-right (LRI … PDI), so an address or number reads whole inside Urdu text."""
    return f"\u2066{text}\u2069"


def _tell_user_account_changed(*, user: User, change: str, address: str | None = None, **context: object) -> None:
    """A note to the account's (old) address about a change to it, so an unexpected one is noticed."""
    notification_queue_email(
        event="account_changed",
        to_address=address or user.email,
        context={"user": user, "change": change, **context},
        idempotency_key=f"account_changed:{user.pk}:{change}:{get_random_string(16)}",
        user=user,
        language=user.language,
    )


@transaction.atomic
def user_change_password(*, user: User, password: str, revoke_tokens: bool) -> int:
    """Set a new password: every other session of the user ends (their stored hash no longer matches) and, if
    asked, every API token is revoked. Returns how many tokens were revoked."""
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked = tokens.tokens_revoke_all(user=user, actor=user) if revoke_tokens else 0
    _tell_user_account_changed(user=user, change="password")
    return revoked


@transaction.atomic
def user_after_password_reset(*, user: User) -> int:
    """A password set from an emailed link: whoever knew the old one may hold tokens too, so all are revoked."""
    revoked = tokens.tokens_revoke_all(user=user, actor=user)
    _tell_user_account_changed(user=user, change="password_reset")
    return revoked


EMAIL_CHANGE_SALT = "applicants.email-change"


@transaction.atomic
def user_request_email_change(*, user: User, new_email: str, site_url: str) -> None:
    """Email a confirmation link to the new address, and a note to the current one. An address another account
    holds gets that account's "someone tried" note instead: the answer is the same, so nothing is revealed."""
    new_email = new_email.strip().lower()
    holder = User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).first()
    if holder is not None:
        _tell_holder_someone_tried(holder=holder, site_url=site_url)
    else:
        token = signing.dumps({"user": user.pk, "from": user.email, "to": new_email}, salt=EMAIL_CHANGE_SALT)
        link = site_url + reverse("applicants:email_change_confirm", kwargs={"token": token})
        notification_queue_email(
            event="email_change_confirmation",
            to_address=new_email,
            context={"user": user, "link": link, "new_email": new_email},
            idempotency_key=f"email_change_confirmation:{user.pk}:{token[-27:]}",
            user=user,
            language=user.language,
        )
    _tell_user_account_changed(user=user, change="email_requested", new_email=_left_to_right(new_email))


@transaction.atomic
def user_confirm_email_change(*, token: str) -> User:
    """Move the account to the address the link was sent to. The link works once: it names the old address."""
    invalid = PortalError(_("This link is invalid, has expired or was already used."), code="bad_token")
    try:
        change = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.BadSignature:
        raise invalid from None
    user = User.objects.select_for_update().filter(pk=change["user"], is_active=True).first()
    if user is None or user.email != change["from"]:
        raise invalid
    taken = PortalError(_("Another account now uses this email address."), code="email_taken")
    if User.objects.filter(email__iexact=change["to"]).exclude(pk=user.pk).exists():
        raise taken
    old_email, user.email = user.email, change["to"]
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise taken from None
    _tell_user_account_changed(user=user, change="email", address=old_email, new_email=_left_to_right(user.email))
    logger.info("user %s changed their email address", user.pk)
    return user


@transaction.atomic
def applicant_change_mobile(*, user: User, mobile: object) -> Applicant:
    """The applicant's mobile number, for SMS; every member hears of the change by email."""
    if user.applicant_id is None:
        raise PortalError(_("Only applicant accounts have a mobile number here."), code="not_applicant")
    applicant = Applicant.objects.select_for_update().get(pk=user.applicant_id)
    applicant.mobile = mobile
    applicant.full_clean(validate_constraints=False)
    applicant.save(update_fields=["mobile"])
    masked = _left_to_right(mask_phone(applicant.mobile))
    notify_members(
        members=applicant.members.filter(is_active=True).order_by("pk"),
        event="account_changed",
        context=lambda member: {"user": member, "change": "mobile", "mobile": masked, "by": user},
        key=f"mobile:{get_random_string(16)}",
        channels=(Notification.Channel.EMAIL,),
    )
    return applicant


def unconfirmed_applicants_remove(*, older_than: timedelta) -> int:
    """Remove applicants none of whose accounts confirmed an email address within `older_than` of signing up:
    they never affected anyone (identity checks skip them), and a CNIC typed by a stranger should not linger.
    Returns how many were removed."""
    cutoff = timezone.now() - older_than
    stale = (
        Applicant.objects.annotate(
            confirmed=Count("members", filter=Q(members__email_confirmed_at__isnull=False)),
            newest=Max("members__date_joined"),
        )
        .filter(confirmed=0, newest__lt=cutoff)
        .values_list("pk", flat=True)
    )
    removed = 0
    for applicant_id in list(stale[:1000]):
        try:
            with transaction.atomic():
                User.objects.filter(applicant_id=applicant_id, email_confirmed_at__isnull=True).delete()
                Applicant.objects.filter(pk=applicant_id).delete()
        except ProtectedError:  # something of theirs exists after all (an upload, a registration): keep them
            logger.warning("unconfirmed applicant %s kept: it has records", applicant_id)
            continue
        removed += 1
    if removed:
        logger.info("removed %s applicants that never confirmed an email address", removed)
    return removed
