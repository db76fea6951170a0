from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from applicants.api_views import ApplicantAPIView
from core.openapi import SIGNED_IN, api_operation
from vpn_records.selectors import registration_get_for_user

from . import selectors
from .downloads import LANGUAGES, certificate_download
from .hooks import verify_url
from .models import CertificateStatus
from .throttles import VerifyThrottle


class FirstRendererNegotiation(BaseContentNegotiation):
    """The PDF is answered as it is, whatever `Accept` says; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CertificatePdfAPI(ApplicantAPIView):
    """`GET`: the certificate of one of your approved registrations, as a PDF."""

    content_negotiation_class = FirstRendererNegotiation

    @api_operation(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        errors=(400, 404, 409, *SIGNED_IN),
        parameters=[
            OpenApiParameter(
                "lang",
                str,
                enum=list(LANGUAGES),
                description=_(
                    "The certificate's language; without it, the request's `Accept-Language`, else your account's."
                ),
            )
        ],
        description=_(
            "A PDF attachment, made on request, in English or Urdu. 409 unless the registration is approved and "
            "its approval has not ended (revoked, withdrawn, rejected and expired registrations have none)."
        ),
    )
    def get(self, request, reference: str):
        registration = registration_get_for_user(user=request.user, reference=reference)
        return certificate_download(request, registration=registration, user=request.user)


class VerifiedEntrySerializer(serializers.Serializer):
    entry = serializers.CharField(help_text=_("The network, or the mobile number masked."))
    status = serializers.CharField(help_text=_("The entry's status now: `approved`, `expired` or `revoked`."))


class VerificationSerializer(serializers.Serializer):
    code = serializers.CharField()
    reference = serializers.CharField()
    name = serializers.CharField(help_text=_("The applicant's name: a person's or a company's."))
    purpose = serializers.CharField(help_text=_("The registration's purpose, in the request's language."))
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    status_label = serializers.CharField(help_text=_("The status in the request's language."))
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField(
        allow_null=True, help_text=_("Null for a revoked or withdrawn registration, which is valid no longer.")
    )
    entries = VerifiedEntrySerializer(many=True, help_text=_("At most 50; `entries_more` counts the rest."))
    entries_more = serializers.IntegerField()
    verify_url = serializers.URLField()


class VerifyAPI(APIView):
    """`GET /api/v1/verify/{code}/`: what a certificate says now. No token needed; limited per client address."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]

    @api_operation(
        responses={200: VerificationSerializer},
        errors=(404, 429),
        description=_(
            "The certificate with this code (printed under its QR code): whose it is, whether it is valid, "
            "expired, revoked, withdrawn or superseded by a renewal, until when, and its networks. Never the "
            "applicant's CNIC, mobile number, email or address."
        ),
    )
    def get(self, request, code: str):
        certificate = selectors.certificate_find(code=code)
        if certificate is None:
            raise Http404(_("No certificate has this code."))
        report = selectors.certificate_report(certificate)
        return Response(
            VerificationSerializer(
                {
                    "code": certificate.code,
                    "reference": report.registration.reference,
                    "name": report.name,
                    "purpose": report.registration.get_purpose_display(),
                    "status": report.status.value,
                    "status_label": report.status.label,
                    "issued_at": certificate.issued_at,
                    "valid_until": report.valid_until,
                    "entries": [{"entry": e.display, "status": e.status} for e in report.entries],
                    "entries_more": report.more,
                    "verify_url": verify_url(certificate, request),
                }
            ).data
        )
