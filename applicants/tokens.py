"""API tokens: issued, checked and revoked here only. A key is shown once; the database keeps its SHA-256."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ForbiddenError, PortalError
from core.rate_limits import revocation_stamp, revocation_stamp_renew

from .models import ApiToken, OperatorAccount, TokenScope, User

logger = logging.getLogger(__name__)

KEY_PREFIX = "vpr_"
# Recording every use would write a row per request; once a minute is enough to tell stale tokens.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Verified tokens, by digest, with when they were read and the revocation stamp then: an operator's firewall may
# call many times a second, and reading the token each time was most of a check's cost. A revocation or a disabled
# account renews the stamp in Redis, so every process re-reads its tokens on the next request.
_verified: dict[str, tuple[datetime, str, ApiToken]] = {}
_VERIFIED_MAX = 10_000


class TokenRefused(PortalError):
    status_code = 401


def digest(key: str) -> str:
    # The key is 256 random bits, so a fast hash is enough: there is nothing to guess from.
    return hashlib.sha256(key.encode()).hexdigest()


def scope_for(user: User) -> str:
    if user.is_operator:
        return TokenScope.OPERATOR
    if user.applicant_id is not None:
        return TokenScope.APPLICANT
    if user.is_staff:
        return TokenScope.STAFF
    raise PortalError(_("This account can hold no API token."), code="no_token_scope", field="user")


@transaction.atomic
def token_issue(
    *, user: User, name: str, created_by: User | None = None, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`, scoped by the kind of account. Returns the token and its key (never stored)."""
    if not user.is_active:
        raise PortalError(_("This account is disabled."), code="account_disabled", field="user")
    if expires_at is not None and expires_at <= timezone.now():
        raise PortalError(_("The expiry must be in the future."), code="expiry_in_past", field="expires_at")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        scope=scope_for(user),
        name=name.strip() or _("API token"),
        prefix=key[:12],
        digest=digest(key),
        created_by=created_by,
        expires_at=expires_at,
    )
    logger.info(
        "api token %s issued to user %s (%s) by user %s",
        token.prefix,
        user.pk,
        token.scope,
        created_by and created_by.pk,
    )
    return token, key


def token_issue_for_applicant(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Applicants issue their own, with the password; staff tokens come from a supervisor, past the 2FA login."""
    if user.applicant_id is None:
        raise ForbiddenError(
            _("Only applicant accounts get tokens this way; staff and operators receive theirs from a supervisor."),
            code="not_applicant",
        )
    lifetime = timedelta(days=settings.API_TOKEN_APPLICANT_DAYS)
    return token_issue(user=user, name=name, created_by=user, expires_at=timezone.now() + lifetime)


@transaction.atomic
def operator_account_create(*, email: str, organisation: str, mobile_operator: str = "") -> User:
    """An ISP's, firewall team's or mobile network's account: no password, no applicant, no staff rights; only
    whitelist tokens. A mobile network's (`mobile_operator`) reads the approved numbers on that network."""
    return OperatorAccount.objects.create_user(
        email=email,
        password=None,
        full_name=organisation,
        is_operator=True,
        mobile_operator=mobile_operator,
        email_confirmed_at=timezone.now(),
    )


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first: colleagues do not see each other's."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


_UNREAD = object()


def token_kept(key: str) -> ApiToken | None:
    """The token this process verified earlier for `key`, not yet checked against revocations: its id and scope,
    which never change, let a caller count the request while it reads the revocation stamp."""
    return _verified.get(digest(key), (None, None, None))[2]


def token_authenticate(key: str, *, stamp: object = _UNREAD) -> ApiToken:
    """The usable token with this key, its use recorded; or TokenRefused saying why. `stamp`: the revocation
    stamp, if the caller has just read it."""
    if not key.startswith(KEY_PREFIX):
        raise TokenRefused(_("Invalid token."), code="invalid_token")
    now, key_digest = timezone.now(), digest(key)
    if stamp is _UNREAD:
        # Read before the row: a revocation committed after this read renews the stamp after it too.
        stamp = revocation_stamp()
    kept = _verified.get(key_digest)
    if (
        kept is not None
        and stamp is not None
        and stamp == kept[1]
        and now - kept[0] < timedelta(seconds=settings.API_TOKEN_CACHE_SECONDS)
    ):
        token = kept[2]
    else:
        token = _token_read(key_digest)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        if isinstance(stamp, str):
            _verified[key_digest] = (now, stamp, token)
    if token.revoked_at is not None:
        raise TokenRefused(_("This token was revoked."), code="token_revoked")
    if token.is_expired:
        raise TokenRefused(_("This token has expired; ask for a new one."), code="token_expired")
    if not token.user.is_active:
        raise TokenRefused(_("This account is disabled."), code="account_disabled")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _token_read(key_digest: str) -> ApiToken:
    try:
        return ApiToken.objects.select_related("user").get(digest=key_digest)
    except ApiToken.DoesNotExist:
        raise TokenRefused(_("Invalid token."), code="invalid_token") from None


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke the token now; revoking a revoked token changes nothing."""
    if token.user_id != actor.pk and not actor.has_perm("applicants.change_apitoken"):
        raise ForbiddenError(_("You may revoke only your own tokens."), code="not_your_token")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=actor)
    _verified.pop(token.digest, None)
    transaction.on_commit(revocation_stamp_renew)
    token.refresh_from_db()
    logger.info("api token %s revoked by user %s", token.prefix, actor.pk)
    return token


@transaction.atomic
def tokens_revoke_all(*, user: User, actor: User) -> int:
    """Revoke every usable token of the user now; returns how many."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if revoked:
        _verified.clear()
        transaction.on_commit(revocation_stamp_renew)
        logger.info("%s api tokens of user %s revoked by user %s", revoked, user.pk, actor.pk)
    return revoked


def account_saved(sender, instance: User, created: bool, update_fields=None, **kwargs) -> None:
    """Any saved change to an account (disabled, staff rights taken away) may change what its tokens may do, so
    every process re-reads its tokens; a new account has none, and a sign-in's `last_login` changes nothing."""
    if created or (update_fields and set(update_fields) <= {"last_login", "language"}):
        return
    transaction.on_commit(revocation_stamp_renew)
