from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.bidi import isolate
from core.errors import PortalError
from core.openapi import SIGNED_IN, api_operation
from core.security import locked_until

from .models import ApiToken
from .throttles import TooManyAttempts, count_attempt
from .tokens import token_issue_for_applicant, token_revoke


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request, email=attrs["email"].lower(), password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            until = locked_until()
            raise exceptions.Throttled(
                wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                detail=_("Too many failed sign-in attempts: sign-in is locked until %(time)s Pakistan time.")
                % {"time": isolate(f"{until:%H:%M}")},
            )
        if user is None:
            raise serializers.ValidationError(
                _("The email address or password is not right, or the email address is not confirmed yet."),
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.ModelSerializer):
    token = serializers.CharField(help_text=_("The key. It is shown this once; keep it secret."))

    class Meta:
        model = ApiToken
        fields = ["token", "prefix", "name", "scope", "expires_at"]


class TokenView(APIView):
    """`POST /api/v1/auth/token/` with email and password: a new applicant token, shown once.

    `DELETE /api/v1/auth/token/` revokes the token the request is made with.
    """

    token_scopes = {"applicant"}

    def get_authenticators(self):
        # self.request is None while drf-spectacular builds the request it describes the view with.
        return [] if getattr(self.request, "method", None) == "POST" else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated(), *super().get_permissions()]

    @api_operation(
        request=TokenRequestSerializer,
        responses={201: IssuedTokenSerializer},
        errors=(400, 403, 429),
        description=_("A new applicant token from your email and password; its key is shown this once."),
    )
    def post(self, request):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        try:
            count_attempt(request, action="token", email=email if isinstance(email, str) else "")
        except TooManyAttempts as refused:
            raise exceptions.Throttled(wait=refused.retry_after, detail=refused.message) from None
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = token_issue_for_applicant(
            user=serializer.validated_data["user"], name=serializer.validated_data["name"]
        )
        token.token = key  # type: ignore[attr-defined]  # for IssuedTokenSerializer, this once
        return Response(IssuedTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @api_operation(
        request=None,
        responses={204: None},
        errors=(400, *SIGNED_IN),
        description=_("Revoke the token this request is made with."),
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise PortalError(gettext("Send the token to revoke in the Authorization header."), code="no_token")
        token_revoke(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
