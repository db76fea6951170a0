from __future__ import annotations

from datetime import UTC, date
from typing import cast

import django_filters
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers, status
from rest_framework.mixins import ListModelMixin
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from applicants.api_auth import HasTokenScope
from applicants.api_views import ApplicantAPIView
from core.networks import NetworkError, display_network, parse_network
from core.openapi import SIGNED_IN, api_operation, location_header

from . import extensions, selectors, services
from .checks import finding_message
from .models import IpEntry, Isp, Purpose, Registration, Status, StatusChange, VpnType
from .msisdn import PATTERN as MSISDN_PATTERN
from .msisdn import MobileNumber, Operator, normalise_msisdn


@extend_schema_field({"type": "string", "example": "111.68.96.0/28"})
class NetworkField(serializers.Field):
    default_error_messages = {"invalid": _("Enter an IP address or network as a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return parse_network(data)
        except NetworkError as error:
            raise serializers.ValidationError(error.message, code="invalid_network") from error

    def to_representation(self, value) -> str:
        return display_network(value)


@extend_schema_field({"type": "string", "pattern": MSISDN_PATTERN, "example": "0300-1234567"})
class MsisdnField(serializers.Field):
    """A Pakistani mobile number in any common form, answered in E.164 (`+923001234567`)."""

    default_error_messages = {"invalid": _("Enter a Pakistani mobile number, such as 0300 1234567.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return normalise_msisdn(data)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages[0], code="invalid_msisdn") from error

    def to_representation(self, value) -> str:
        return value


class NetworkEntryInputSerializer(serializers.Serializer):
    network = NetworkField()


class NumberEntryInputSerializer(serializers.Serializer):
    msisdn = MsisdnField()
    operator = serializers.ChoiceField(choices=Operator.choices)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="EntryInput",
        serializers=[NetworkEntryInputSerializer, NumberEntryInputSerializer],
        resource_type_field_name=None,
        many=True,
    )
)
class EntryInputListSerializer(serializers.ListSerializer):
    """Documented as a list of one of two shapes: each entry is a network or a number, never both."""


class EntryInputSerializer(serializers.Serializer):
    """A network, or a mobile number with its operator."""

    class Meta:
        list_serializer_class = EntryInputListSerializer

    network = NetworkField(required=False)
    msisdn = MsisdnField(required=False)
    operator = serializers.ChoiceField(choices=Operator.choices, required=False)

    def validate(self, data: dict) -> dict:
        if ("network" in data) == ("msisdn" in data):
            raise serializers.ValidationError(
                _("Give either a network or a mobile number (`msisdn`) in each entry."), code="network_or_msisdn"
            )
        if "msisdn" in data and "operator" not in data:
            raise serializers.ValidationError({"operator": [_("Choose the number's operator.")]}, code="required")
        if "network" in data and "operator" in data:
            raise serializers.ValidationError(
                {"operator": [_("Only a mobile number has an operator.")]}, code="operator_unexpected"
            )
        return data


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["warn", "fail"])
    message = serializers.CharField()


class EntrySerializer(serializers.ModelSerializer):
    network = NetworkField(allow_null=True, help_text=_("Null for a mobile number's entry."))
    msisdn = MsisdnField(allow_null=True, help_text=_("The mobile number in E.164; null for a network's entry."))
    operator = serializers.ChoiceField(
        choices=Operator.choices, allow_blank=True, help_text=_("The number's operator; empty for a network.")
    )
    reasons = serializers.SerializerMethodField()
    valid_until = serializers.DateField(
        source="approval_valid_until",
        read_only=True,
        allow_null=True,
        help_text=_("The last day of the approval while it is approved; null otherwise."),
    )

    class Meta:
        model = IpEntry
        fields = [
            "id",
            "network",
            "msisdn",
            "operator",
            "status",
            "reasons",
            "site",
            "vpn_type",
            "source_row",
            "decided_at",
            "valid_until",
        ]

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, entry: IpEntry) -> list[dict]:
        """Warnings and failures, without what only staff may see."""
        return [
            {"code": r["code"], "severity": r["severity"], "message": finding_message(r)}
            for r in entry.reasons
            if r["severity"] != "pass"
        ]


class EntryChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "reason", "created_at"]


class EntryDetailSerializer(EntrySerializer):
    history = EntryChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "history"]


class RegistrationInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    purpose_detail = serializers.CharField(max_length=2000)
    isp = serializers.ChoiceField(choices=Isp.choices)
    isp_other = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    vpn_type = serializers.ChoiceField(choices=VpnType.choices)
    entries = EntryInputSerializer(many=True, allow_empty=False)

    def validate_entries(self, entries: list[dict]) -> list[dict]:
        seen: dict = {}
        errors: list[dict] = []
        for index, entry in enumerate(entries):
            field = "network" if "network" in entry else "msisdn"
            first = seen.setdefault(entry[field], index)
            message = (
                _("Same network as entries[%(index)s].")
                if field == "network"
                else _("Same mobile number as entries[%(index)s].")
            )
            errors.append({field: [message % {"index": first}]} if first != index else {})
        if any(errors):
            raise serializers.ValidationError(errors)
        return entries


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class RegistrationLinkField(serializers.Field):
    """A link another app gives for a registration (vpn_records.extensions.register_registration_links)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Registration) -> str | None:
        return cast(RegistrationSerializer, self.parent).registration_links(value).get(self.field_name or "")


class RegistrationSerializer(serializers.ModelSerializer):
    """A registration without its entries, which may be a hundred thousand: they are paged at `entries_url`."""

    partly_approved = serializers.BooleanField(
        source="is_partly_approved",
        read_only=True,
        help_text=_("Some entries approved and others rejected, revoked or still under review."),
    )
    status_label = serializers.CharField(
        read_only=True, help_text=_("The status in the reader's language, as the registration's page shows it.")
    )
    valid_until = serializers.DateField(
        source="approval_valid_until",
        read_only=True,
        allow_null=True,
        help_text=_("The last day of the approval while it is approved; null otherwise."),
    )
    renews: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text=_("The reference of the registration this one renews; null for a first registration."),
    )
    renewal_opens_on = serializers.SerializerMethodField(
        help_text=_("While approved: the first day it can be renewed (`POST …/renew/`).")
    )
    entry_counts = serializers.SerializerMethodField(help_text=_("How many entries are in each status."))
    entries_url = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "reference",
            "status",
            "status_label",
            "partly_approved",
            "purpose",
            "purpose_detail",
            "isp",
            "isp_other",
            "vpn_type",
            "submitted_at",
            "decided_at",
            "valid_until",
            "created_at",
            "renews",
            "renewal_opens_on",
            "entry_counts",
            "entries_url",
        ]

    def get_renewal_opens_on(self, registration: Registration) -> date | None:
        return selectors.renewal_opens_on(registration)

    def get_fields(self):
        fields = super().get_fields()
        for name, help_text in extensions.registration_link_names().items():
            fields[name] = RegistrationLinkField(help_text=help_text)
        return fields

    def registration_links(self, registration: Registration) -> dict[str, str | None]:
        # Asked once per registration however many link fields there are.
        if getattr(self, "_links_for", None) != registration.pk:
            self._links_for = registration.pk
            self._links = extensions.registration_links(self.context.get("request"), registration)
        return self._links

    def get_entry_counts(self, registration: Registration) -> dict[str, int]:
        return selectors.entry_counts(registration=registration)

    def get_entries_url(self, registration: Registration) -> str:
        url = reverse("api:registration-entry-list", args=[registration.reference])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class RegistrationCreatedSerializer(RegistrationSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "entries"]


class OptionalReasonSerializer(serializers.Serializer):
    """The body of a withdrawal or a decision: a reason, which rejecting requires (services check)."""

    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, compared in UTC: PostgreSQL refuses UTC offsets past ±15:59, which ISO 8601 allows."""

    default_error_messages = {"overflow": _("This time is out of range.")}

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment and moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["overflow"], code="overflow") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, help_text=_("Repeat for several."))
    submitted_after = UtcIsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = UtcIsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Registration
        fields = ["status", "submitted_after", "submitted_before"]


class EntryFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, help_text=_("Repeat for several."))

    class Meta:
        model = IpEntry
        fields = ["status"]


class _ApplicantAPIView(ApplicantAPIView):
    def get_registration(self) -> Registration:
        return selectors.registration_get_for_user(user=self.applicant_user, reference=self.kwargs["reference"])


class RegistrationListCreateAPI(ListModelMixin, _ApplicantAPIView):
    """`GET`: your registrations, newest first, paged, filtered by `status`. `POST`: register and submit networks."""

    serializer_class = RegistrationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RegistrationFilter

    def get_queryset(self):
        return selectors.registration_list_for_user(user=self.applicant_user)

    @api_operation(
        responses={200: RegistrationSerializer(many=True)},
        errors=(400, 404, *SIGNED_IN),
        description=_("Your registrations, newest first, filtered by `status` and submission time."),
    )
    def get(self, request):
        return self.list(request)

    @api_operation(
        request=RegistrationInputSerializer,
        responses={201: RegistrationCreatedSerializer},
        errors=(400, 409, *SIGNED_IN),
        parameters=[location_header(201)],
        description=_(
            "Register networks and mobile numbers and submit them for verification and review at once; kept a "
            "draft when documents must be uploaded or numbers proved first (then `POST …/submit/`)."
        ),
    )
    def post(self, request):
        incoming = RegistrationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        entries = data.pop("entries")
        networks = [entry["network"] for entry in entries if "network" in entry]
        numbers = [MobileNumber(entry["msisdn"], entry["operator"]) for entry in entries if "msisdn" in entry]
        registration = services.registration_create_and_submit(
            user=request.user, networks=networks, numbers=numbers, **data
        )
        return _created(registration, request, self.get_serializer_context())


class RegistrationDetailAPI(_ApplicantAPIView):
    """`GET`: one of your registrations, with its entries counted by status; anyone else's is 404."""

    serializer_class = RegistrationSerializer

    @api_operation(responses={200: RegistrationSerializer}, errors=(404, *SIGNED_IN))
    def get(self, request, reference: str):
        return Response(self.get_serializer(self.get_registration()).data)


class RegistrationWithdrawAPI(_ApplicantAPIView):
    """`POST`: take the registration back, with an optional reason; its open entries go with it.

    409 when it can no longer be withdrawn (already withdrawn, rejected, expired or revoked).
    """

    serializer_class = OptionalReasonSerializer

    @api_operation(
        request=OptionalReasonSerializer, responses={200: RegistrationSerializer}, errors=(400, 404, 409, *SIGNED_IN)
    )
    def post(self, request, reference: str):
        incoming = OptionalReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.registration_withdraw(
            registration=self.get_registration(), user=request.user, reason=incoming.validated_data["reason"]
        )
        registration = self.get_registration()
        return Response(RegistrationSerializer(registration, context=self.get_serializer_context()).data)


class RegistrationSubmitAPI(_ApplicantAPIView):
    """`POST`: submit a draft, or a registration sent back for changes, for verification and review.

    A registration created over the API is submitted at once unless something holds it back (documents to
    upload first): then it stays a draft, to be submitted here. 400 `documents_missing` names what is missing.
    """

    serializer_class = RegistrationSerializer

    @api_operation(request=None, responses={200: RegistrationSerializer}, errors=(400, 404, 409, *SIGNED_IN))
    def post(self, request, reference: str):
        services.registration_submit(registration=self.get_registration(), user=request.user)
        return Response(self.get_serializer(self.get_registration()).data)


class RenewalInputSerializer(serializers.Serializer):
    """What a renewal may change; anything left out stays as the registration has it."""

    purpose = serializers.ChoiceField(choices=Purpose.choices, required=False)
    purpose_detail = serializers.CharField(max_length=2000, required=False)
    isp = serializers.ChoiceField(choices=Isp.choices, required=False)
    isp_other = serializers.CharField(max_length=100, required=False, allow_blank=True)
    vpn_type = serializers.ChoiceField(choices=VpnType.choices, required=False)
    drop = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=10_000,
        help_text=_("Ids of approved entries not to renew."),
    )


class RegistrationRenewAPI(_ApplicantAPIView):
    """`POST`: renew the approved entries of a registration, from RENEWAL_OPENS_DAYS before its approval ends.

    Answers 201 with the renewal, a registration of its own submitted for verification and review; the entries it
    renews stay on the whitelist until it is decided. 409 before the renewal window opens, naming the date.
    """

    serializer_class = RenewalInputSerializer

    @api_operation(
        request=RenewalInputSerializer,
        responses={201: RegistrationCreatedSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        parameters=[location_header(201)],
    )
    def post(self, request, reference: str):
        registration = self.get_registration()
        incoming = RenewalInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        drop = data.pop("drop")
        kept = {field: getattr(registration, field) for field in ("purpose", "purpose_detail", "isp", "isp_other")}
        batch = services.Batch(**{**kept, "vpn_type": registration.vpn_type, **data})
        renewal = services.registration_renew(registration=registration, user=request.user, batch=batch, drop=drop)
        return _created(renewal, request, self.get_serializer_context())


def _created(registration: Registration, request, context: dict) -> Response:
    registration = selectors.registration_get_for_user(user=request.user, reference=registration.reference)
    body = RegistrationCreatedSerializer(registration, context=context).data
    location = reverse("api:registration-detail", args=[registration.reference])
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class EntryReplaceInputSerializer(serializers.Serializer):
    network = NetworkField(help_text=_("The network the ISP now assigns you."))
    reason = serializers.CharField(max_length=500, help_text=_("Why the address changed; the reviewer sees it."))
    old_leaves = serializers.ChoiceField(
        choices=[("now", _("at once")), ("on_approval", _("when the new one is approved"))],
        default="on_approval",
        help_text=_("When the old network leaves the whitelist."),
    )


class EntryReplaceAPI(_ApplicantAPIView):
    """`POST`: replace an approved network the ISP has taken back with a new one.

    Answers 201 with a registration of its own for the new network, verified and reviewed as any other; the old
    network leaves the whitelist at once (`old_leaves: "now"`) or when the new one is approved.
    """

    serializer_class = EntryReplaceInputSerializer

    @api_operation(
        request=EntryReplaceInputSerializer,
        responses={201: RegistrationCreatedSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        parameters=[location_header(201)],
    )
    def post(self, request, reference: str, pk: int):
        entry = selectors.entry_get_for_user(registration=self.get_registration(), entry_id=pk)
        incoming = EntryReplaceInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        replacement = services.entry_replace(entry=entry, user=request.user, **incoming.validated_data)
        return _created(replacement, request, self.get_serializer_context())


class EntryListAPI(ListModelMixin, _ApplicantAPIView):
    """`GET`: the entries of one of your registrations with their status and reasons, paged, filtered by `status`."""

    serializer_class = EntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryFilter
    queryset = IpEntry.objects.none()  # names the model for the schema; get_queryset gives the registration's

    def get_queryset(self):
        return self.get_registration().entries.order_by("id")

    @api_operation(responses={200: EntrySerializer(many=True)}, errors=(400, 404, *SIGNED_IN))
    def get(self, request, reference: str):
        return self.list(request)


class EntryDetailAPI(_ApplicantAPIView):
    """`GET`: one entry: its status, the reasons behind it, and every change with the reason given."""

    serializer_class = EntryDetailSerializer

    @api_operation(responses={200: EntryDetailSerializer}, errors=(404, *SIGNED_IN))
    def get(self, request, reference: str, pk: int):
        entry = selectors.entry_get_for_user(registration=self.get_registration(), entry_id=pk)
        return Response(self.get_serializer(entry).data)


class CanDecideEntries(BasePermission):
    message = _("Only staff with the reviewer role can decide entries.")

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("vpn_records.decide_ipentry")


class DecisionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    network = serializers.CharField(help_text=_("Empty for a mobile number's entry."))
    msisdn = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    valid_until = serializers.DateField(allow_null=True)
    registration = serializers.CharField(help_text=_("The reference of the entry's registration."))
    registration_status = serializers.ChoiceField(choices=Status.choices)


def _decision_result(entry_id: int) -> dict:
    entry = selectors.entry_get_for_reviewer(entry_id=entry_id)
    return {
        "id": entry.pk,
        "network": entry.network_display,
        "msisdn": entry.msisdn,
        "status": entry.status,
        "valid_until": entry.approval_valid_until,
        "registration": entry.registration.reference,
        "registration_status": entry.registration.status,
    }


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": r"\S"})
class ReasonField(serializers.CharField):
    """Some words: spaces alone are no reason."""


class RequiredReasonSerializer(serializers.Serializer):
    reason = ReasonField(max_length=2000, help_text=_("Why: the applicant sees it."))


class ReviewEntryApproveAPI(APIView):
    """`POST /api/v1/review/entries/{id}/approve/` (`{"reason": …}` optional)."""

    permission_classes = [IsAuthenticated, HasTokenScope, CanDecideEntries]
    token_scopes = {"staff"}
    approve = True
    body: type[serializers.Serializer] = OptionalReasonSerializer

    @api_operation(
        request=OptionalReasonSerializer,
        responses={200: DecisionResultSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_("Approve one entry."),
    )
    def post(self, request, pk: int):
        entry = selectors.entry_get_for_reviewer(entry_id=pk)
        decision = self.body(data=request.data)
        decision.is_valid(raise_exception=True)
        services.entries_decide(
            entries=[entry], actor=request.user, approve=self.approve, reason=decision.validated_data["reason"]
        )
        return Response(_decision_result(pk))


class ReviewEntryRejectAPI(ReviewEntryApproveAPI):
    """`POST /api/v1/review/entries/{id}/reject/` (`{"reason": …}` required)."""

    approve = False
    body = RequiredReasonSerializer

    @api_operation(
        request=RequiredReasonSerializer,
        responses={200: DecisionResultSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_("Reject one entry with a reason, which the applicant sees."),
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class CanRevokeEntries(BasePermission):
    message = _("Only supervisors can revoke approvals.")

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("vpn_records.revoke_ipentry")


class ReviewEntryRevokeAPI(APIView):
    """`POST /api/v1/review/entries/{id}/revoke/` (`{"reason": …}`): a supervisor withdraws an approval."""

    permission_classes = [IsAuthenticated, HasTokenScope, CanRevokeEntries]
    token_scopes = {"staff"}

    @api_operation(
        request=RequiredReasonSerializer,
        responses={200: DecisionResultSerializer},
        errors=(400, 404, 409, *SIGNED_IN),
        description=_(
            "Revoke one approved entry; the registration is revoked once none of its entries stays approved. The "
            "entry leaves the whitelist at once."
        ),
    )
    def post(self, request, pk: int):
        entry = selectors.entry_get_for_reviewer(entry_id=pk)
        decision = RequiredReasonSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        services.entry_revoke(entry=entry, actor=request.user, reason=decision.validated_data["reason"])
        return Response(_decision_result(pk))
