"""`POST /api/v1/provider-uses/`: record that your VPN is a licensed provider's service, instead of registering."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.response import Response

from applicants.api_views import ApplicantAPIView
from core.openapi import SIGNED_IN, api_operation

from . import services


class ProviderUseInputSerializer(serializers.Serializer):
    licence_number = serializers.CharField(
        max_length=40, help_text=_("A licence number from the register of licensed providers.")
    )


class ProviderUseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    licence_number = serializers.CharField(source="licence.licence_number")
    trade_name = serializers.CharField(source="licence.trade_name")
    provider = serializers.CharField(source="licence.applicant.legal_name")
    valid_until = serializers.DateField(source="licence.valid_until")
    recorded_at = serializers.DateTimeField()


class ProviderUseAPI(ApplicantAPIView):
    serializer_class = ProviderUseInputSerializer

    @api_operation(
        request=ProviderUseInputSerializer,
        responses={201: ProviderUseSerializer},
        errors=(400, *SIGNED_IN),
        description=_(
            "Record that your VPN is the service of a licensed provider: its customers need no registration of "
            "their own. Only a licence in force can be named (400 otherwise); naming it again answers the first record."
        ),
    )
    def post(self, request):
        incoming = ProviderUseInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        use = services.provider_use_record(user=request.user, licence_number=incoming.validated_data["licence_number"])
        return Response(ProviderUseSerializer(use).data, status=status.HTTP_201_CREATED)
