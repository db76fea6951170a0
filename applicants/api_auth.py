"""How the API knows who is calling, what their token may reach, and how often they may call."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from applicants.models import ApiToken
from applicants.tokens import TokenRefused, token_authenticate
from core.client_address import client_address
from core.rate_limits import throttle_count


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token vpr_…` (or `Bearer vpr_…`)."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in self.keywords:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Token <key>”, with no spaces in the key."), code="malformed_token"
            )
        try:
            token = token_authenticate(words[1].decode("ascii"))
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="invalid_token") from None
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class HasTokenScope(BasePermission):
    """A token reaches only the views that name its scope in `token_scopes`; sessions are left to other checks."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        if request.auth.scope in getattr(view, "token_scopes", ()):
            return True
        self.message = _("Tokens of scope “%(scope)s” cannot use this endpoint.") % {"scope": request.auth.scope}
        return False


class TokenRateThrottle(SimpleRateThrottle):
    """Per token (per account for sessions, per address otherwise), a fixed window counted in the cache.

    One atomic increment a request: DRF's own throttles keep a list of every request's time, which grows
    with the rate, and an operator's rate is high.
    """

    def __init__(self):
        # The rate depends on the caller, so it is chosen per request in allow_request.
        pass

    def caller(self, request) -> tuple[str, str]:
        if isinstance(request.auth, ApiToken):
            return token_caller(request.auth)
        if request.user and request.user.is_authenticated:
            return "user", f"user{request.user.pk}"
        return "anon", client_address(request)

    def allow_request(self, request, view) -> bool:
        scope, ident = self.caller(request)
        # The whitelist check's fast path (whitelist.middleware) may have counted this request already.
        verdict = getattr(request, "throttle_verdict", None)
        if verdict is None or verdict.key != f"throttle:{scope}:{ident}":
            verdict = throttle_count(scope, ident)
        self.verdict = verdict
        return verdict is None or verdict.allowed

    def wait(self) -> float | None:
        return None if self.verdict is None else self.verdict.retry_after


def token_caller(token: ApiToken) -> tuple[str, str]:
    """The scope and the identity a token's requests are counted under."""
    return token.scope, f"token{token.pk}"
