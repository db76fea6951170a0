"""The bulk-upload API: send a file, follow its job, fetch its error report, cancel it."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from applicants.api_views import ApplicantAPIView
from core.openapi import SIGNED_IN, api_operation, location_header
from core.upload_limits import install_size_limit
from vpn_records.models import Isp, Purpose, Registration, VpnType

from . import selectors, services
from .models import BulkUpload
from .readers import over_limit_message


class BulkUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_detail = serializers.CharField(max_length=2000)
    isp = serializers.ChoiceField(choices=Isp.choices)
    isp_other = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    vpn_type = serializers.ChoiceField(choices=VpnType.choices)
    all_or_nothing = serializers.BooleanField(required=False, default=False)


class BulkUploadFailureSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class BulkUploadSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.ChoiceField(source="state", choices=BulkUpload.State.choices, read_only=True)
    percent = serializers.IntegerField(read_only=True)
    failure = serializers.SerializerMethodField()
    registration: serializers.SlugRelatedField[Registration] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    url = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = BulkUpload
        fields = [
            "id", "url", "status", "file_name", "file_format", "file_size", "sha256", "purpose", "isp", "vpn_type",
            "all_or_nothing", "total_rows", "processed_rows", "accepted_rows", "rejected_rows", "warning_rows",
            "percent", "failure", "registration", "errors_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    @extend_schema_field(BulkUploadFailureSerializer(allow_null=True))
    def get_failure(self, upload: BulkUpload) -> dict | None:
        if not upload.failure:
            return None
        return {"code": upload.failure["code"], "message": services.failure_message(upload)}

    def get_url(self, upload: BulkUpload) -> str:
        return self._absolute(reverse("api:bulk-upload-detail", kwargs={"public_id": upload.public_id}))

    def get_errors_url(self, upload: BulkUpload) -> str | None:
        if not upload.rejected_rows:
            return None
        return self._absolute(reverse("api:bulk-upload-errors", kwargs={"public_id": upload.public_id}))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class BulkUploadListCreateAPI(ListModelMixin, ApplicantAPIView):
    """`GET`: your uploads, newest first. `POST` (multipart: `file` and the batch fields): 202 with the job."""

    serializer_class = BulkUploadSerializer
    parser_classes = [MultiPartParser]  # a file and its fields; nothing else carries one

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: a file over the limit is refused while it arrives.
        install_size_limit(request, settings.BULK_UPLOAD_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.bulk_uploads_for_user(user=self.applicant_user)

    @api_operation(
        responses={200: BulkUploadSerializer(many=True)},
        errors=(404, *SIGNED_IN),
        description=_("Your company's uploads, newest first."),
    )
    def get(self, request):
        return self.list(request)

    @api_operation(
        request={"multipart/form-data": BulkUploadInputSerializer},  # a form without multipart carries no file
        responses={202: BulkUploadSerializer},
        errors=(400, 409, *SIGNED_IN),
        parameters=[location_header(202)],
        description=_("Send a CSV or XLSX file of addresses (company accounts); a worker processes it."),
    )
    def post(self, request):
        incoming = BulkUploadInputSerializer(data=request.data)
        if getattr(request._request, "upload_too_large", False):
            raise ValidationError({"file": [ErrorDetail(over_limit_message(), code="too_large")]})
        incoming.is_valid(raise_exception=True)
        upload = services.bulk_upload_create(user=request.user, **incoming.validated_data)
        upload.refresh_from_db()  # in-process mode has finished the job already
        data = self.get_serializer(upload).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class BulkUploadDetailAPI(ApplicantAPIView):
    """`GET`: the job's status and counts; poll it until `status` is completed, failed or cancelled."""

    serializer_class = BulkUploadSerializer

    @api_operation(responses={200: BulkUploadSerializer}, errors=(404, *SIGNED_IN))
    def get(self, request, public_id):
        upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
        return Response(self.get_serializer(upload).data)


class BulkUploadCancelAPI(ApplicantAPIView):
    """`POST`: stop the job; nothing from it is registered. 409 once it has ended."""

    serializer_class = BulkUploadSerializer

    @api_operation(request=None, responses={200: BulkUploadSerializer}, errors=(404, 409, *SIGNED_IN))
    def post(self, request, public_id):
        upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
        upload = services.bulk_upload_cancel(upload=upload, user=request.user)
        return Response(self.get_serializer(upload).data)


class BulkUploadErrorsAPI(ApplicantAPIView):
    """`GET`: the error report as CSV: row, column, value, error; every cell safe to open in a spreadsheet."""

    def perform_content_negotiation(self, request, force=False):
        # The body is written here, not by a renderer: `Accept: text/csv` is no reason for 406. Errors are JSON.
        return super().perform_content_negotiation(request, force=True)

    @api_operation(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV: row,column,value,error")},
        errors=(404, *SIGNED_IN),
        operation_id="bulk_uploads_errors_csv",
    )
    def get(self, request, public_id):
        upload = selectors.bulk_upload_get_for_user(user=request.user, public_id=public_id)
        return services.error_report_response(upload)
