"""The mobile operators' API: is this number registered on our network, and our approved numbers as CSV. A mobile
operator's token reads its own network's numbers only; an ISP's token reads none."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC
from itertools import chain

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from applicants.api_auth import HasTokenScope
from core.csv_safety import csv_lines
from core.openapi import ERROR_HEADERS, SIGNED_IN, api_operation, error_responses
from vpn_records.api import MsisdnField

from . import mobile
from . import queries as whitelist
from .api import _EXPORT_HEADERS, _batched


class IsMobileOperator(BasePermission):
    message = _("Only a mobile operator's account reads registered mobile numbers.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user.is_operator and request.user.mobile_operator)


class _MobileView(APIView):
    token_scopes = {"operator"}
    permission_classes = [IsAuthenticated, HasTokenScope, IsMobileOperator]


class NumberCheckQuerySerializer(serializers.Serializer):
    msisdn = MsisdnField(help_text=_("A mobile number in any common form: 03001234567, +92 300 1234567."))


class NumberCheckResultSerializer(serializers.Serializer):
    msisdn = serializers.CharField(help_text=_("The number in E.164."))
    registered = serializers.BooleanField(help_text=_("Approved, unexpired, and on your network."))
    reference = serializers.CharField(allow_null=True, help_text=_("The registration it belongs to."))
    valid_until = serializers.DateField(allow_null=True, help_text=_("The last day the approval holds."))


class MobileWhitelistCheckAPI(_MobileView):
    """`GET /api/v1/mobile-whitelist/check/?msisdn=03001234567`: is the number approved on your network?"""

    renderer_classes = [JSONRenderer]

    @api_operation(
        parameters=[NumberCheckQuerySerializer],
        responses={200: NumberCheckResultSerializer},
        errors=(400, *SIGNED_IN),
    )
    def get(self, request):
        query = NumberCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        msisdn = query.validated_data["msisdn"]
        row = mobile.number_check(msisdn=msisdn, operator=request.user.mobile_operator)
        return Response(
            {
                "msisdn": msisdn,
                "registered": row is not None,
                "reference": row and row.reference,
                "valid_until": row and row.valid_until,
            }
        )


class _ExportSchema(AutoSchema):
    def get_response_serializers(self):
        return {
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            304: OpenApiResponse(description=_("Nothing changed since the `ETag` sent as `If-None-Match`.")),
            **error_responses(400, *SIGNED_IN),
        }


class NumberExportQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False,
        default_timezone=UTC,
        help_text=_("Only what changed after this time: the `X-Whitelist-Next-Since` of your last download."),
    )


class MobileWhitelistExportAPI(_MobileView):
    """`GET /api/v1/mobile-whitelist/export.csv`: every approved number on your network (`msisdn,reference,
    valid_until`), or with `?since=` what was added and removed after that time. `ETag` and `If-None-Match` as the
    IP whitelist's."""

    schema = _ExportSchema()

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="mobile_whitelist_export_csv",
        parameters=[NumberExportQuerySerializer, *_EXPORT_HEADERS, *ERROR_HEADERS],
    )
    def get(self, request):
        query = NumberExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, operator = query.validated_data.get("since"), request.user.mobile_operator
        version, generated_at = whitelist.whitelist_version(), timezone.now()
        tag = f"{version}|{whitelist.today()}|mobile|{operator}|{since and since.isoformat()}"
        etag = '"' + hashlib.sha256(tag.encode()).hexdigest()[:32] + '"'
        not_modified = get_conditional_response(request._request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        response = StreamingHttpResponse(_batched(_csv(operator, since)), content_type="text/csv; charset=utf-8")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        response["X-Whitelist-Version"] = str(version)
        response["X-Whitelist-Next-Since"] = whitelist.next_since(generated_at).isoformat()
        response["Content-Disposition"] = f'attachment; filename="mobile-whitelist-{operator}.csv"'
        return response


def _csv(operator: str, since) -> Iterator[bytes]:
    if since is None:
        rows = ([row.msisdn, row.reference, row.valid_until] for row in mobile.listed_numbers(operator=operator))
        return csv_lines(chain([["msisdn", "reference", "valid_until"]], rows), bom=False)
    added = (
        ["added", row.msisdn, row.reference, row.valid_until]
        for row in mobile.added_numbers(operator=operator, since=since)
    )
    removed = (["removed", row.msisdn, "", ""] for row in mobile.removed_numbers(operator=operator, since=since))
    return csv_lines(chain([["change", "msisdn", "reference", "valid_until"]], added, removed), bom=False)
