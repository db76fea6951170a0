from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .checks import finding_message
from .models import IpEntry, Isp, Purpose, Registration, VpnType
from .networks import NetworkError, display_network, parse_network


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


class EntryInputSerializer(serializers.Serializer):
    network = NetworkField()


class EntrySerializer(serializers.ModelSerializer):
    network = NetworkField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = IpEntry
        fields = ["id", "network", "status", "reasons"]

    def get_reasons(self, entry: IpEntry) -> list[dict]:
        """Warnings and failures, without what only staff may see."""
        return [
            {"code": r["code"], "severity": r["severity"], "message": finding_message(r)}
            for r in entry.reasons
            if r["severity"] != "pass"
        ]


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
            first = seen.setdefault(entry["network"], index)
            errors.append(
                {"network": [_("Same network as entries[%(index)s].") % {"index": first}]} if first != index else {}
            )
        if any(errors):
            raise serializers.ValidationError(errors)
        return entries


class RegistrationSerializer(serializers.ModelSerializer):
    entries = EntrySerializer(many=True, read_only=True)
    partly_approved = serializers.BooleanField(source="is_partly_approved", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "reference",
            "status",
            "partly_approved",
            "purpose",
            "purpose_detail",
            "isp",
            "isp_other",
            "vpn_type",
            "submitted_at",
            "valid_until",
            "created_at",
            "entries",
        ]


class _ApplicantAPIView(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.user.applicant_id is None:
            raise PermissionDenied(_("Only applicant accounts use this API."))


class RegistrationListCreateAPI(_ApplicantAPIView):
    """`GET`: your registrations, newest first, paginated. `POST`: register and submit networks."""

    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return selectors.registration_list_for_user(user=self.request.user).prefetch_related("entries")

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)

    def post(self, request):
        incoming = RegistrationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        networks = [entry["network"] for entry in data.pop("entries")]
        registration = services.registration_create_and_submit(user=request.user, networks=networks, **data)
        registration = selectors.registration_get_for_user(user=request.user, reference=registration.reference)
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


class RegistrationDetailAPI(_ApplicantAPIView):
    """`GET`: one of your registrations with its entries; anyone else's is 404."""

    serializer_class = RegistrationSerializer

    def get(self, request, reference: str):
        registration = selectors.registration_get_for_user(user=request.user, reference=reference)
        return Response(RegistrationSerializer(registration).data)


class CanDecideEntries(BasePermission):
    message = _("Only staff with the reviewer role can decide entries.")

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("vpn_records.decide_ipentry")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewEntryDecisionAPI(APIView):
    """`POST /api/v1/review/entries/{id}/approve/` or `…/reject/` (`{"reason": …}` required to reject)."""

    permission_classes = [IsAuthenticated, CanDecideEntries]
    approve = True

    def post(self, request, pk: int):
        entry = selectors.entry_get_for_reviewer(entry_id=pk)
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        services.entries_decide(
            entries=[entry], actor=request.user, approve=self.approve, reason=decision.validated_data["reason"]
        )
        entry = selectors.entry_get_for_reviewer(entry_id=pk)
        return Response(
            {
                "id": entry.pk,
                "network": entry.network_display,
                "status": entry.status,
                "valid_until": entry.valid_until,
                "registration": entry.registration.reference,
                "registration_status": entry.registration.status,
            }
        )
