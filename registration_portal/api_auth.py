"""How the API knows who is calling, what their token may reach, and how often they may call."""

from __future__ import annotations

import math

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from applicants.models import ApiToken
from applicants.tokens import TokenRefused, token_authenticate


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

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            self.scope, ident = request.auth.scope, f"token{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", f"user{request.user.pk}"
        else:
            self.scope, ident = "anon", self.get_ident(request)
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view) -> bool:
        key = self.get_cache_key(request, view)
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # read now: tests and deploys change it
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        window = int(self.timer() // self.duration)
        self.window_ends = (window + 1) * self.duration
        return _count(f"{key}:{window}", timeout=self.duration) <= self.num_requests

    def wait(self) -> float:
        return max(1, math.ceil(self.window_ends - self.timer()))


def _count(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key`, which lives `timeout` seconds from its first count."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # One INCR a request on a client kept for the process (Django builds a new one per call); the first count
        # of a window also sets its expiry.
        client = getattr(cache, "_throttle_client", None)
        if client is None:
            client = cache._throttle_client = cache._cache.get_client(write=True)
        key = cache.make_and_validate_key(key)
        count = client.incr(key)
        if count == 1:
            client.expire(key, timeout + 1)
        return count
    cache.add(key, 0, timeout + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout + 1)
        return 1
