"""The base of every applicant API view; kept apart from authentication, which DRF's settings import early."""

from __future__ import annotations

from typing import cast

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView

from .models import User


class ApplicantAPIView(GenericAPIView):
    """An API view for applicant accounts with an applicant-scope token (or a session); staff are refused."""

    token_scopes = {"applicant"}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.applicant_id is None:
            raise PermissionDenied(_("Only applicant accounts use this API."))

    @property
    def applicant_user(self) -> User:
        """The signed-in applicant: authentication and `initial` let no one else this far."""
        return cast(User, self.request.user)
