"""The operators' API: is this address registered, and the whole approved list as text, CSV or JSON."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from itertools import chain
from typing import cast
from urllib.parse import parse_qs

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from applicants.api_auth import HasTokenScope, token_caller
from applicants.tokens import TokenRefused, token_authenticate, token_kept
from core.csv_safety import csv_lines
from core.digits import ascii_digits
from core.http import PortalRequest
from core.openapi import ERROR_HEADERS, SIGNED_IN, api_operation, error_responses
from core.rate_limits import revocation_stamp_and_count, throttle_count
from vpn_records.models import Kind

from . import queries as whitelist
from .queries import FeedRow


class CanReadWhitelist(BasePermission):
    message = _("Only operator accounts and regulator staff read the whitelist.")

    def has_permission(self, request, view) -> bool:
        return request.user.is_operator or request.user.has_perm("vpn_records.view_ipentry")


class _WhitelistView(APIView):
    token_scopes = {"operator"}
    permission_classes = [IsAuthenticated, HasTokenScope, CanReadWhitelist]


def parse_address(text: str) -> whitelist.IPAddress:
    """One IPv4 or IPv6 address, an IPv4-mapped one as IPv4; ValueError with code "network", "zone_id" or
    "invalid"."""
    text = ascii_digits(text.strip())
    if "/" in text:
        raise ValueError("network")
    if "%" in text:
        raise ValueError("zone_id")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError("invalid") from None
    return getattr(address, "ipv4_mapped", None) or address


@extend_schema_field({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}], "example": "203.0.113.7"})
class IpAddressField(serializers.Field):
    default_error_messages = {
        "invalid": _("“{value}” is not an IP address."),
        "network": _("Give one address, not a network; the export lists whole networks."),
        "zone_id": _("“{value}” ends in a zone id (the part from %), which no registration can hold: leave it out."),
    }

    def to_internal_value(self, data):
        text = str(data).strip()
        try:
            return parse_address(text)
        except ValueError as error:
            self.fail(str(error), value=text[:60])

    def to_representation(self, value) -> str:
        return str(value)


class CheckQuerySerializer(serializers.Serializer):
    ip = IpAddressField(help_text=_("An IPv4 or IPv6 address."))


class CheckResultSerializer(serializers.Serializer):
    ip = serializers.CharField()
    registered = serializers.BooleanField()
    network = serializers.CharField(allow_null=True, help_text=_("The approved network containing the address."))
    reference = serializers.CharField(
        allow_null=True,
        help_text=_("The registration it belongs to, or the licence number of a licensed provider's gateway."),
    )
    kind = serializers.ChoiceField(
        choices=Kind.choices,
        allow_null=True,
        help_text=_("`licensed_provider` for a licensed VPN provider's gateway, whose customers need no registration."),
    )
    valid_until = serializers.DateField(allow_null=True, help_text=_("The last day the approval holds."))


class WhitelistCheckAPI(_WhitelistView):
    """`GET /api/v1/whitelist/check/?ip=203.0.113.7`: is the address in an approved, unexpired network?"""

    renderer_classes = [JSONRenderer]  # firewalls call this many times a second: no negotiation to do

    @api_operation(parameters=[CheckQuerySerializer], responses={200: CheckResultSerializer}, errors=(400, *SIGNED_IN))
    def get(self, request):
        query = CheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(check_answer(query.validated_data["ip"]))


def check_answer(address: whitelist.IPAddress) -> dict:
    match = whitelist.whitelist_check(address)
    return {
        "ip": str(address),
        "registered": match is not None,
        "network": match and str(match.network),
        "reference": match and match.reference,
        "kind": match and match.kind,
        "valid_until": match and match.valid_until,
    }


_renderer = JSONRenderer()


def check_fast(request: PortalRequest) -> HttpResponse | None:
    """The check's everyday answer, without DRF's machinery: firewalls ask many times a second, and DRF's
    negotiation, serializers and views cost more than the answer. It serves an operator's usable token asking about
    one valid address within its rate; for anything else it returns None, and WhitelistCheckAPI answers (in the
    caller's language, with the errors' usual bodies), not counting the request against the rate again.
    """
    keyword, _space, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if keyword.lower() not in ("token", "bearer") or not key or " " in key:
        return None
    addresses = parse_qs(request.META.get("QUERY_STRING", "")).get("ip", [])
    try:
        address = parse_address(addresses[0]) if len(addresses) == 1 else None
    except ValueError:
        address = None
    if address is None:
        return None
    # A token this process knows already: the revocation stamp and the request's count in one Redis round trip.
    kept, verdict = token_kept(key), None
    try:
        if kept is not None:
            stamp, verdict = revocation_stamp_and_count(*token_caller(kept))
            request.throttle_verdict = verdict  # counted: DRF, if it answers instead, must not count it again
            token = token_authenticate(key, stamp=stamp)
        else:
            token = token_authenticate(key)
    except TokenRefused:
        return None
    if token.scope not in WhitelistCheckAPI.token_scopes or not token.user.is_operator:
        return None
    if kept is None:
        verdict = throttle_count(*token_caller(token))
        request.throttle_verdict = verdict
    if verdict is not None and not verdict.allowed:
        return None
    response = HttpResponse(_renderer.render(check_answer(address)), content_type=_renderer.media_type)
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Content-Length"] = str(len(response.content))
    return response


@extend_schema_field({"type": "string", "enum": ["true", "false", "1", "0"], "default": "false"})
class FlagField(serializers.BooleanField):
    """A query-string switch: `true` or `1`, `false` or `0`, the spellings the schema lists."""


class ExportQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False,
        default_timezone=UTC,  # given back in UTC: times before 1907 have no whole-minute offset in Karachi
        help_text=_("Only what changed after this time: the `next_since` of your last download."),
    )
    aggregate = FlagField(
        required=False, default=False, help_text=_("Collapse adjacent and nested networks into the fewest blocks.")
    )

    def validate(self, attrs):
        if attrs.get("since") and attrs["aggregate"]:
            raise serializers.ValidationError(
                {"aggregate": _("Aggregation applies to the whole list; leave out “since”, or “aggregate”.")},
                code="aggregate_with_since",
            )
        return attrs


CONTENT_TYPES = {"txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}


class FeedNetworkSerializer(serializers.Serializer):
    network = serializers.CharField()
    reference = serializers.CharField(
        required=False,
        help_text=_(
            "The registration, or a licensed provider's licence number. Left out with `aggregate` and for removals."
        ),
    )
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, help_text=_("Left out with `aggregate` and for removals.")
    )
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text=_("Left out with `aggregate` and for removals.")
    )


class WhitelistFeedSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    next_since = serializers.DateTimeField(help_text=_("Send it as `since` next time."))
    since = serializers.DateTimeField(required=False, help_text=_("The `since` asked for."))
    networks = FeedNetworkSerializer(many=True, required=False, help_text=_("The whole list, without `since`."))
    added = FeedNetworkSerializer(many=True, required=False, help_text=_("Approved after `since`."))
    removed = FeedNetworkSerializer(many=True, required=False, help_text=_("No longer approved after `since`."))


class _ExportSchema(AutoSchema):
    """The three export URLs share a view; each answers its own media type."""

    @property
    def kind(self) -> str:
        return cast("WhitelistExportAPI", self.view).kind

    def get_operation_id(self) -> str:
        return f"whitelist_export_{self.kind}"

    def get_response_serializers(self):
        body = WhitelistFeedSerializer if self.kind == "json" else OpenApiTypes.STR
        media_type = CONTENT_TYPES[self.kind].split(";")[0]
        return {
            (200, media_type): OpenApiResponse(body),
            304: OpenApiResponse(description=_("Nothing changed since the `ETag` sent as `If-None-Match`.")),
            **error_responses(400, *SIGNED_IN),
        }


_ETAG = OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[200, 304], required=True)
_EXPORT_HEADERS = [
    OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, description=_("The `ETag` of your last copy.")),
    _ETAG,
    OpenApiParameter("X-Whitelist-Version", int, OpenApiParameter.HEADER, response=[200], required=True),
    OpenApiParameter(
        "X-Whitelist-Next-Since", OpenApiTypes.DATETIME, OpenApiParameter.HEADER, response=[200], required=True
    ),
]


class WhitelistExportAPI(_WhitelistView):
    """`GET /api/v1/whitelist/export.txt|.csv|.json`: every approved network, streamed.

    `?since=<ISO time>` gives what was added and removed after that time; `?aggregate=1` the fewest blocks.
    Send the `ETag` back as `If-None-Match` to get `304 Not Modified` while nothing has changed.
    """

    kind = "txt"
    schema = _ExportSchema()

    def perform_content_negotiation(self, request, force=False):
        # The body is written here, not by a renderer: `Accept: text/csv` is no reason for 406. Errors are JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(parameters=[ExportQuerySerializer, *_EXPORT_HEADERS, *ERROR_HEADERS])
    def get(self, request):
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, aggregate = query.validated_data.get("since"), query.validated_data["aggregate"]
        version, generated_at = whitelist.whitelist_version(), timezone.now()
        tag = f"{version}|{whitelist.today()}|{self.kind}|{since and since.isoformat()}|{aggregate}"
        etag = '"' + hashlib.sha256(tag.encode()).hexdigest()[:32] + '"'
        not_modified = get_conditional_response(request._request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        feed = _Feed(since=since, aggregate=aggregate, version=version, generated_at=generated_at)
        response = StreamingHttpResponse(_batched(getattr(feed, self.kind)()), content_type=CONTENT_TYPES[self.kind])
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        response["X-Whitelist-Version"] = str(version)
        response["X-Whitelist-Next-Since"] = feed.next_since
        response["Content-Disposition"] = f'inline; filename="vpn-whitelist.{self.kind}"'
        return response


class _Feed:
    """One download's rows, written as text, CSV or JSON."""

    def __init__(self, *, since, aggregate: bool, version: int, generated_at):
        self.since, self.aggregate, self.version = since, aggregate, version
        self.generated_at = generated_at.isoformat()
        self.next_since = whitelist.next_since(generated_at).isoformat()

    def _rows(self) -> Iterator[FeedRow]:
        rows = whitelist.whitelisted_rows()
        return whitelist.aggregated(rows) if self.aggregate else rows

    def txt(self) -> Iterator[str]:
        if self.since is None and not self.aggregate:
            return ("\n".join(batch) + "\n" for batch in whitelist.whitelisted_network_batches() if batch)
        if self.since is None:
            return (f"{row.network}\n" for row in self._rows())
        added = (f"+{row.network}\n" for row in whitelist.added_rows(self.since))
        removed = (f"-{row.network}\n" for row in whitelist.removed_rows(self.since))
        return chain(added, removed)

    def csv(self) -> Iterator[bytes]:
        if self.since is None:
            header = ["network"] if self.aggregate else ["network", "reference", "valid_until", "kind"]
            rows = ([row.network, row.reference, row.valid_until, row.kind][: len(header)] for row in self._rows())
            return csv_lines(chain([header], rows), bom=False)
        added = (
            ["added", row.network, row.reference, row.valid_until, row.kind] for row in whitelist.added_rows(self.since)
        )
        removed = (["removed", row.network, "", "", ""] for row in whitelist.removed_rows(self.since))
        header = ["change", "network", "reference", "valid_until", "kind"]
        return csv_lines(chain([header], added, removed), bom=False)

    def json(self) -> Iterator[str]:
        head = {"version": self.version, "generated_at": self.generated_at, "next_since": self.next_since}
        if self.since is None:
            yield _json_open(head) + '"networks": ['
            yield from _json_items(self._rows(), with_details=not self.aggregate)
            yield "]}\n"
            return
        yield _json_open({**head, "since": self.since.isoformat()}) + '"added": ['
        yield from _json_items(whitelist.added_rows(self.since), with_details=True)
        yield '], "removed": ['
        yield from _json_items(whitelist.removed_rows(self.since), with_details=False)
        yield "]}\n"


def _json_open(head: dict) -> str:
    return json.dumps(head)[:-1] + ", "


def _json_items(rows: Iterable[FeedRow], *, with_details: bool) -> Iterator[str]:
    separator = ""
    for row in rows:
        item: dict[str, str | None] = {"network": row.network}
        if with_details:
            item.update(
                reference=row.reference,
                valid_until=row.valid_until.isoformat() if row.valid_until else None,
                kind=row.kind,
            )
        yield separator + json.dumps(item)
        separator = ", "


def _batched(pieces: Iterable[str | bytes], size: int = 128 * 1024) -> Iterator[bytes]:
    """Join small pieces into writes of about `size` bytes: a million one-line writes would cost more than the query."""
    batch: list[bytes] = []
    length = 0
    for piece in pieces:
        data = piece.encode() if isinstance(piece, str) else piece
        batch.append(data)
        length += len(data)
        if length >= size:
            yield b"".join(batch)
            batch.clear()
            length = 0
    if batch:
        yield b"".join(batch)
