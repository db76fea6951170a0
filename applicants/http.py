"""The signed-in request with our User, for the type checker (core knows no app's models)."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.http import PortalRequest

if TYPE_CHECKING:
    from .models import User


class SignedInRequest(PortalRequest):
    """A request that `login_required` let through, from one of our users."""

    user: User


def applicant_required(view):
    """Signed in with an applicant account; staff are sent to the admin, where they work."""

    @login_required
    @wraps(view)
    def wrapped(request: SignedInRequest, *args, **kwargs):
        if request.user.applicant_id is None:
            messages.info(request, _("Staff accounts review registrations in the admin."))
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return wrapped
