from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(self.context["request"], email=attrs["email"].lower(), password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("The email address or password is not right, or the email address is not confirmed yet."),
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """`POST /api/v1/auth/token/` with email and password → `{"token": …}` for `Authorization: Token …`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
