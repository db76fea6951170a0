"""The API's OpenAPI description: the error body, the answers endpoints share, and how tokens are sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text=_("The field at fault as a path, such as `entries[1].network`; null for none.")
    )
    code = serializers.CharField(help_text=_("Stable, for programs: `required`, `invalid_network`, `not_active`, …"))
    message = serializers.CharField(help_text=_("For people, in the request's language."))


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers, whatever its status."""

    detail = serializers.CharField(help_text=_("A summary of what went wrong."))
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]  # a field: the metaclass takes it off the class


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "applicants.api_auth.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("Token <key>: the word `Token`, a space, and the key (`vpr_…`)."),
        }


_ERROR_REF = {"$ref": "#/components/schemas/Error"}

# The statuses an authenticated, throttled endpoint may answer whatever it does.
SIGNED_IN = (401, 403, 429)

_ERRORS = {
    400: _("The request is invalid; `errors` lists each problem."),
    401: _("No credentials, or a token that is invalid, revoked or expired."),
    403: _("Your token's scope or your account does not allow this."),
    404: _("Nothing of that name among what you may see, or a page past the last."),
    409: _("Its current status does not allow this any more."),
    415: _("The body is not in a media type this operation reads, or cannot be read as one."),
    429: _("Too many requests: wait `Retry-After` seconds."),
}

ERROR_HEADERS = [
    OpenApiParameter(
        "WWW-Authenticate", str, OpenApiParameter.HEADER, response=[401], required=True, description="Token"
    ),
    OpenApiParameter(
        "Retry-After",
        int,
        OpenApiParameter.HEADER,
        response=[429],
        required=True,
        description=_("Seconds until the next request is let through."),
    ),
]


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorSerializer, description=_ERRORS[status]) for status in statuses}


def location_header(status: int) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        str,
        OpenApiParameter.HEADER,
        response=[status],
        required=True,
        description=_("Where the new object is."),
    )


def api_operation(*, responses: dict, errors: Sequence[int], parameters: Sequence[Any] = (), **kwargs):
    """`extend_schema` with the error body for each status in `errors`, and the headers that come with them. An
    operation that reads a body may also answer 415."""
    if kwargs.get("request") is not None and 415 not in errors:
        errors = (*errors, 415)
    return extend_schema(
        responses={**responses, **error_responses(*errors)}, parameters=[*parameters, *ERROR_HEADERS], **kwargs
    )


def declare_query_errors(result: dict, generator, request, public) -> dict:
    """SPECTACULAR postprocessing hook: an operation with query parameters may answer 400 (core.api_contract
    checks them for every view), so its schema says so, whether or not the view declared it."""
    answer = {"description": str(_ERRORS[400]), "content": {"application/json": {"schema": _ERROR_REF}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
                operation["responses"].setdefault("400", answer)
    return result


# OpenAPI links: where an operation's answer leads, so a stateful client (schemathesis's stateful phase) follows a
# registration from creation to withdrawal, and a bulk upload from creation to its errors and cancellation.
_FROM_BODY = {"reference": "$response.body#/reference", "public_id": "$response.body#/id"}  # an upload's id is public
_FROM_PATH = {"reference": "$request.path.reference", "public_id": "$request.path.public_id"}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/api/v1/registrations/", "post", "201"): {
        "GetRegistration": ("registrations_retrieve", "reference", _FROM_BODY),
        "ListEntries": ("registrations_entries_list", "reference", _FROM_BODY),
        "WithdrawRegistration": ("registrations_withdraw_create", "reference", _FROM_BODY),
    },
    ("/api/v1/registrations/{reference}/", "get", "200"): {
        "ListEntries": ("registrations_entries_list", "reference", _FROM_PATH),
        "WithdrawRegistration": ("registrations_withdraw_create", "reference", _FROM_PATH),
    },
    ("/api/v1/registrations/{reference}/entries/", "get", "200"): {
        "WithdrawRegistration": ("registrations_withdraw_create", "reference", _FROM_PATH),
    },
    ("/api/v1/bulk-uploads/", "post", "202"): {
        "GetUpload": ("bulk_uploads_retrieve", "public_id", _FROM_BODY),
        "UploadErrors": ("bulk_uploads_errors_csv", "public_id", _FROM_BODY),
        "CancelUpload": ("bulk_uploads_cancel_create", "public_id", _FROM_BODY),
    },
    ("/api/v1/bulk-uploads/{public_id}/", "get", "200"): {
        "UploadErrors": ("bulk_uploads_errors_csv", "public_id", _FROM_PATH),
        "CancelUpload": ("bulk_uploads_cancel_create", "public_id", _FROM_PATH),
    },
}


def declare_links(result: dict, generator, request, public) -> dict:
    """SPECTACULAR postprocessing hook: the LINKS above, on the answers they start from."""
    paths = result.get("paths", {})
    for (path, method, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {
            name: {"operationId": operation, "parameters": {parameter: source[parameter]}}
            for name, (operation, parameter, source) in links.items()
        }
    return result
