"""Licence applications over the API: a company applies, adds documents and submits; staff tokens recommend, grant
and refuse; anyone reads the register of licensed providers."""

from __future__ import annotations

import hashlib
import json
from abc import ABCMeta, abstractmethod

from django.conf import settings
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from applicants.api_auth import HasTokenScope
from applicants.api_views import ApplicantAPIView
from core.openapi import SIGNED_IN, api_operation, location_header
from core.upload_limits import install_size_limit
from evidence.files import too_large_error

from . import selectors, services
from .models import (
    Clientele,
    LicenceApplication,
    LicenceDocument,
    LicenceDocumentKind,
    LicenceStatus,
    Province,
    Recommendation,
    Scope,
)


class TechnicalContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    mobile = serializers.CharField(max_length=30, help_text=_("A Pakistani mobile number, such as 0300 1234567."))


class LicenceApplicationInputSerializer(serializers.Serializer):
    trade_name = serializers.CharField(max_length=200)
    scope = serializers.ChoiceField(choices=Scope.choices)
    provinces = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=list,
        max_length=len(Province.values),
        help_text=_("With `scope` `provinces`: any of `%(codes)s`.") % {"codes": "`, `".join(Province.values)},
    )
    clientele = serializers.ChoiceField(choices=Clientele.choices)
    data_centres = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=services.MAX_DATA_CENTRES,
        help_text=_("Where each data centre is, in Pakistan."),
    )  # fmt: skip
    gateways = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=services.MAX_GATEWAYS,
        help_text=_("The networks customers' traffic leaves through, such as 111.68.96.0/28."),
    )  # fmt: skip
    technical_contact = TechnicalContactSerializer()
    fee_reference = serializers.CharField(max_length=50, help_text=_("The fee challan's number."))


class LicenceApplicationSerializer(serializers.ModelSerializer):
    technical_contact = serializers.SerializerMethodField()
    documents_missing = serializers.SerializerMethodField()
    fee = serializers.IntegerField(read_only=True, help_text=_("Rupees."))

    class Meta:
        model = LicenceApplication
        fields = [
            "id", "status", "trade_name", "scope", "provinces", "clientele", "data_centres", "gateways",
            "technical_contact", "fee_reference", "fee", "submitted_at", "documents_missing", "licence_number",
            "valid_from", "valid_until", "conditions", "created_at",
        ]  # fmt: skip

    def get_technical_contact(self, application: LicenceApplication) -> TechnicalContactSerializer:
        return {  # type: ignore[return-value]  # the serializer names its shape for the schema
            "name": application.technical_contact_name,
            "email": application.technical_contact_email,
            "mobile": application.technical_contact_mobile,
        }

    def get_documents_missing(self, application: LicenceApplication) -> list[str]:
        return services.missing_documents(application)


class _CompanyAPIView(ApplicantAPIView):
    def get_application(self) -> LicenceApplication:
        return selectors.licence_application_get_for_user(user=self.applicant_user, application_id=self.kwargs["pk"])


class LicenceApplicationListCreateAPI(ListModelMixin, _CompanyAPIView):
    """`GET`: your company's licence applications. `POST`: apply (a company account only)."""

    serializer_class = LicenceApplicationSerializer

    def get_queryset(self):
        return selectors.licence_applications_of(user=self.applicant_user)

    @api_operation(responses={200: LicenceApplicationSerializer(many=True)}, errors=(404, *SIGNED_IN))
    def get(self, request):
        return self.list(request)

    @api_operation(
        request=LicenceApplicationInputSerializer,
        responses={201: LicenceApplicationSerializer},
        errors=(400, 409, *SIGNED_IN),
        parameters=[location_header(201)],
        description=_(
            "Apply for a VPN service provider class licence: kept a draft until the documents are uploaded and it is "
            "submitted. The fee is 300,000 rupees nationwide or 100,000 per province or territory. 409 while the "
            "company has another application or licence open."
        ),
    )
    def post(self, request):
        incoming = LicenceApplicationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        application = services.licence_application_create(user=request.user, **incoming.validated_data)
        response = Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:licence-application-detail", args=[application.pk])
        return response


class LicenceApplicationDetailAPI(_CompanyAPIView):
    """`GET`: one of your company's applications; anyone else's is 404."""

    serializer_class = LicenceApplicationSerializer

    @api_operation(responses={200: LicenceApplicationSerializer}, errors=(404, *SIGNED_IN))
    def get(self, request, pk: int):
        return Response(self.get_serializer(self.get_application()).data)


class LicenceApplicationSubmitAPI(_CompanyAPIView):
    serializer_class = LicenceApplicationSerializer

    @api_operation(
        request=None,
        responses={200: LicenceApplicationSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_("Submit the application; 400 naming the documents still missing."),
    )
    def post(self, request, pk: int):
        application = services.licence_application_submit(application=self.get_application(), user=request.user)
        return Response(self.get_serializer(application).data)


class LicenceOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class LicenceApplicationWithdrawAPI(_CompanyAPIView):
    serializer_class = LicenceApplicationSerializer

    @api_operation(
        request=LicenceOptionalReasonSerializer,
        responses={200: LicenceApplicationSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_("Withdraw the application while it is undecided (409 otherwise)."),
    )
    def post(self, request, pk: int):
        incoming = LicenceOptionalReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        application = services.licence_application_withdraw(
            application=self.get_application(), user=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(self.get_serializer(application).data)


class LicenceDocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LicenceDocumentKind.choices)
    file = serializers.FileField(help_text=_("A PDF, JPEG or PNG file, judged by its content."))


class LicenceDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LicenceDocument
        fields = ["id", "kind", "content_type", "size", "file_name", "uploaded_at"]


class LicenceDocumentListCreateAPI(ListModelMixin, _CompanyAPIView):
    """`GET`: the application's documents. `POST` (multipart: `kind`, `file`): add one while it is a draft or
    information is requested."""

    serializer_class = LicenceDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    queryset = LicenceDocument.objects.none()  # names the model for the schema

    def initialize_request(self, request, *args, **kwargs):
        # Before anything reads the body: a file over the limit is refused while it arrives.
        install_size_limit(request, settings.DOCUMENT_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.licence_documents_of(application=self.get_application())

    @api_operation(responses={200: LicenceDocumentSerializer(many=True)}, errors=(404, *SIGNED_IN))
    def get(self, request, pk: int):
        return self.list(request)

    @api_operation(
        request={"multipart/form-data": LicenceDocumentInputSerializer},
        responses={201: LicenceDocumentSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_(
            "Add a document (technical proposal, undertaking, certificate of incorporation): a PDF, JPEG or PNG, "
            "judged by its content; pictures are stored without their metadata."
        ),
    )
    def post(self, request, pk: int):
        application = self.get_application()
        incoming = LicenceDocumentInputSerializer(data=request.data)
        if getattr(request._request, "upload_too_large", False):
            raise ValidationError({"file": [ErrorDetail(too_large_error().message, code="too_large")]})
        incoming.is_valid(raise_exception=True)
        document = services.licence_document_add(application=application, user=request.user, **incoming.validated_data)
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)


class CanRecommendLicences(BasePermission):
    message = _("Only licensing reviewers and supervisors can do this.")

    def has_permission(self, request, view) -> bool:
        return request.user.is_staff and (
            request.user.has_perm("licensing.recommend_licenceapplication")
            or request.user.has_perm("licensing.grant_licenceapplication")
        )


class RecommendationSerializer(LicenceOptionalReasonSerializer):
    recommendation = serializers.ChoiceField(
        choices=Recommendation.choices, default=Recommendation.GRANT, help_text=_("`refuse` needs a reason.")
    )


class LicenceReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Why: the company sees it."))


class GrantSerializer(LicenceOptionalReasonSerializer):
    conditions = serializers.CharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        help_text=_("The licence's conditions; the default if left out."),
    )


class _ReviewAPI(APIView, metaclass=ABCMeta):
    permission_classes = [IsAuthenticated, HasTokenScope, CanRecommendLicences]
    token_scopes = {"staff"}
    input_serializer: type[serializers.Serializer] = LicenceReasonSerializer

    @abstractmethod
    def decide(self, application: LicenceApplication, actor, data: dict) -> LicenceApplication:
        """The decision this endpoint makes, through its service."""

    def post(self, request, pk: int):
        application = selectors.licence_application_get_for_staff(application_id=pk)
        incoming = self.input_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        decided = self.decide(application, request.user, dict(incoming.validated_data))
        return Response(LicenceApplicationSerializer(decided).data)


REVIEW_ERRORS = (400, 404, 409, *SIGNED_IN)


class ReviewRecommendAPI(_ReviewAPI):
    """`POST /api/v1/review/licence-applications/{id}/recommend/`: a reviewer recommends grant or refusal."""

    input_serializer = RecommendationSerializer

    @api_operation(
        request=RecommendationSerializer,
        responses={200: LicenceApplicationSerializer},
        errors=REVIEW_ERRORS,
        description=_("Recommend a submitted application for grant (or refusal, with a reason)."),
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, application, actor, data):
        return services.licence_recommend(application=application, actor=actor, **data)


class ReviewRequestInformationAPI(_ReviewAPI):
    """`POST …/request-info/` (`{"reason": …}`): back to the company for what is missing."""

    @api_operation(
        request=LicenceReasonSerializer,
        responses={200: LicenceApplicationSerializer},
        errors=REVIEW_ERRORS,
        description=_("Ask the company for more information; it adds it and submits again."),
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, application, actor, data):
        return services.licence_request_information(application=application, actor=actor, **data)


class ReviewGrantAPI(_ReviewAPI):
    """`POST …/grant/`: a supervisor, not the one who recommended it, grants the licence."""

    input_serializer = GrantSerializer

    @api_operation(
        request=GrantSerializer,
        responses={200: LicenceApplicationSerializer},
        errors=REVIEW_ERRORS,
        description=_(
            "Grant a licence recommended for grant by someone else (four eyes): it gets the next licence number, "
            "its validity and conditions, and its gateways go on the whitelist under that number."
        ),
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, application, actor, data):
        return services.licence_grant(application=application, actor=actor, **data)


class ReviewRefuseAPI(_ReviewAPI):
    """`POST …/refuse/` (`{"reason": …}`): a supervisor refuses the application."""

    @api_operation(
        request=LicenceReasonSerializer,
        responses={200: LicenceApplicationSerializer},
        errors=REVIEW_ERRORS,
        description=_("Refuse the application, saying why; the company sees the reason."),
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, application, actor, data):
        return services.licence_refuse(application=application, actor=actor, **data)


class LicensedProviderSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text=_("The company's legal name."))
    trade_name = serializers.CharField()
    licence_number = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    provinces = serializers.ListField(child=serializers.ChoiceField(choices=Province.choices))
    clientele = serializers.ChoiceField(choices=Clientele.choices)
    granted_on = serializers.DateField()
    valid_until = serializers.DateField()
    status = serializers.ChoiceField(choices=[(LicenceStatus.APPROVED.value, LicenceStatus.APPROVED.label)])


def register_json() -> list[dict]:
    return [
        {
            "provider": licence.applicant.legal_name,
            "trade_name": licence.trade_name,
            "licence_number": licence.licence_number,
            "scope": licence.scope,
            "provinces": list(licence.provinces),
            "clientele": licence.clientele,
            "granted_on": licence.valid_from and licence.valid_from.isoformat(),
            "valid_until": licence.valid_until and licence.valid_until.isoformat(),
            "status": licence.status,
        }
        for licence in selectors.licences_on_register()
    ]


class LicensedProvidersAPI(APIView):
    """The public register of licensed VPN service providers; no token needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @api_operation(
        responses={
            200: LicensedProviderSerializer(many=True),
            304: OpenApiResponse(description=_("Nothing changed since the `ETag` sent as `If-None-Match`.")),
        },
        errors=(429,),
        parameters=[
            OpenApiParameter(
                "If-None-Match", str, OpenApiParameter.HEADER, description=_("The `ETag` of your last copy.")
            ),
            OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[200, 304], required=True),
        ],
        auth=[],
        description=_(
            "Every licence in force: provider, trade name, licence number, scope, clientele, dates. Customers of a "
            "licensed provider need no registration of their own. Suspended, revoked and expired licences are left "
            "off. Send the `ETag` back as `If-None-Match` to get `304 Not Modified` while nothing has changed."
        ),
    )
    def get(self, request):
        body = register_json()
        etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        not_modified = get_conditional_response(request._request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        response = Response(body)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=60"
        return response
