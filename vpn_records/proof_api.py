"""`POST /api/v1/msisdn-codes/` sends a code to a mobile number; `POST /api/v1/msisdn-codes/verify/` proves it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from applicants.api_views import ApplicantAPIView
from core.client_address import client_address
from core.openapi import SIGNED_IN, api_operation

from . import proofs
from .msisdn import PATTERN, Operator


@extend_schema_field({"type": "string", "pattern": PATTERN, "example": "0300-1234567"})
class MsisdnTextField(serializers.CharField):
    """A number as typed; proofs normalise it."""


class CodeRequestSerializer(serializers.Serializer):
    msisdn = MsisdnTextField(max_length=32, help_text=_("A Pakistani mobile number in any common form."))
    operator = serializers.ChoiceField(choices=Operator.choices)


class CodeSentSerializer(serializers.Serializer):
    msisdn = serializers.CharField(help_text=_("The number in E.164 form, as stored."))
    operator = serializers.ChoiceField(choices=Operator.choices)
    operator_matches_prefix = serializers.BooleanField(
        help_text=_("False when the numbering plan gives the prefix to another operator: a ported number, or a slip.")
    )
    expires_at = serializers.DateTimeField()
    resend_after = serializers.IntegerField(help_text=_("Seconds before another code can be asked for."))


class CodeCheckSerializer(serializers.Serializer):
    msisdn = MsisdnTextField(max_length=32)
    code = serializers.CharField(max_length=12)


class ProvedSerializer(serializers.Serializer):
    msisdn = serializers.CharField()
    proved_at = serializers.DateTimeField()


class MsisdnCodeAPI(ApplicantAPIView):
    """`POST`: text a 6-digit code to the number, valid for ten minutes. 429 when asked again within a minute, or
    past the limits per number, per account and per client address (with `Retry-After`)."""

    serializer_class = CodeRequestSerializer

    @api_operation(request=CodeRequestSerializer, responses={202: CodeSentSerializer}, errors=(400, 429, *SIGNED_IN))
    def post(self, request):
        incoming = CodeRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        proof = proofs.msisdn_code_send(
            user=self.applicant_user, client_address=client_address(request), **incoming.validated_data
        )
        answer = {
            "msisdn": proof.msisdn,
            "operator": proof.operator,
            "operator_matches_prefix": proofs.operator_of(proof.msisdn) in (None, proof.operator),
            "expires_at": proof.expires_at,
            "resend_after": int(proofs.RESEND_AFTER.total_seconds()),
        }
        return Response(CodeSentSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class MsisdnCodeVerifyAPI(ApplicantAPIView):
    """`POST`: the code the number received. 400 for a wrong, expired or used-up code (five wrong codes need a new
    one)."""

    serializer_class = CodeCheckSerializer

    @api_operation(request=CodeCheckSerializer, responses={200: ProvedSerializer}, errors=(400, *SIGNED_IN))
    def post(self, request):
        incoming = CodeCheckSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        proof = proofs.msisdn_code_verify(user=self.applicant_user, **incoming.validated_data)
        return Response(ProvedSerializer({"msisdn": proof.msisdn, "proved_at": proof.verified_at}).data)
