"""The signed-in request with our User, for the type checker (core knows no app's models)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.http import PortalRequest

if TYPE_CHECKING:
    from .models import User


class SignedInRequest(PortalRequest):
    """A request that `login_required` let through, from one of our users."""

    user: User
