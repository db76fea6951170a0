"""The documents of a registration over the API: upload (multipart), list, delete."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from applicants.api_views import ApplicantAPIView
from core.openapi import SIGNED_IN, api_operation
from core.upload_limits import install_size_limit
from vpn_records.models import Registration
from vpn_records.selectors import registration_get_for_user

from . import selectors, services
from .files import too_large_error
from .models import Document, DocumentKind


class DocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text=_("A PDF, JPEG or PNG file, judged by its content."))


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "content_type", "size", "file_name", "uploaded_at"]


class _RegistrationDocumentsAPI(ApplicantAPIView):
    def get_registration(self) -> Registration:
        return registration_get_for_user(user=self.applicant_user, reference=self.kwargs["reference"])


class DocumentListCreateAPI(ListModelMixin, _RegistrationDocumentsAPI):
    """`GET`: the registration's documents. `POST` (multipart: `kind`, `file`): add one while it can be changed."""

    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser]  # a file and its fields; nothing else carries one
    queryset = Document.objects.none()  # names the model for the schema; get_queryset gives the registration's

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: a file over the limit is refused while it arrives.
        install_size_limit(request, settings.DOCUMENT_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.documents_of(registration=self.get_registration())

    @api_operation(responses={200: DocumentSerializer(many=True)}, errors=(404, *SIGNED_IN))
    def get(self, request, reference: str):
        return self.list(request)

    @api_operation(
        request={"multipart/form-data": DocumentInputSerializer},
        responses={201: DocumentSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_(
            "Add a supporting document (PDF, JPEG or PNG, judged by its content) while the registration is a "
            "draft or sent back for changes. Pictures are stored without their metadata."
        ),
    )
    def post(self, request, reference: str):
        registration = self.get_registration()
        incoming = DocumentInputSerializer(data=request.data)
        if getattr(request._request, "upload_too_large", False):
            raise ValidationError({"file": [ErrorDetail(too_large_error().message, code="too_large")]})
        incoming.is_valid(raise_exception=True)
        document = services.document_add(registration=registration, user=request.user, **incoming.validated_data)
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailAPI(_RegistrationDocumentsAPI):
    """`DELETE`: remove a document while the registration can still be changed (409 otherwise)."""

    serializer_class = DocumentSerializer

    @api_operation(responses={200: DocumentSerializer}, errors=(404, *SIGNED_IN))
    def get(self, request, reference: str, pk: int):
        document = selectors.document_get_for_user(registration=self.get_registration(), document_id=pk)
        return Response(self.get_serializer(document).data)

    @api_operation(responses={204: None}, errors=(404, 409, *SIGNED_IN))
    def delete(self, request, reference: str, pk: int):
        document = selectors.document_get_for_user(registration=self.get_registration(), document_id=pk)
        services.document_delete(document=document, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
