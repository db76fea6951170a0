"""API errors as one JSON shape: a summary plus one item per problem, each with its field path."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import PortalError


def _join(path: str, key: str | int) -> str:
    if key == api_settings.NON_FIELD_ERRORS_KEY:
        return path
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _flatten(detail, path: str = "") -> list[dict]:
    if isinstance(detail, dict):
        return [item for key, value in detail.items() for item in _flatten(value, _join(path, key))]
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [item for value in detail for item in _flatten(value, path)]
        return [item for index, value in enumerate(detail) for item in _flatten(value, f"{path}[{index}]")]
    field = path or None
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc, context):
    """`{"detail": …, "errors": [{"field": "entries[1].network", "code": …, "message": …}]}`."""
    if isinstance(exc, PortalError):
        errors = [{"field": exc.field, "code": exc.code, "message": exc.message}]
        return Response({"detail": exc.message, "errors": errors}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        summary = ngettext("The request has %(count)s problem.", "The request has %(count)s problems.", len(errors))
        response.data = {"detail": summary % {"count": len(errors)}, "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["errors"] = [{"field": None, "code": getattr(detail, "code", "error"), "message": str(detail)}]
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data.setdefault("errors", [])
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 for a URL no view matched (`/api/v1/review/entries/abc/approve/`): under /api/, JSON like the rest."""
    if not request.path_info.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    message = str(exceptions.NotFound.default_detail)
    errors = [{"field": None, "code": exceptions.NotFound.default_code, "message": message}]
    return JsonResponse({"detail": message, "errors": errors}, status=status.HTTP_404_NOT_FOUND)


def _error_answer(request: HttpRequest, *, status_code: int, code: str, message: str) -> HttpResponse:
    """The API's JSON error under /api/; elsewhere a bare page that needs neither the database nor a template."""
    if request.path_info.startswith("/api/"):
        errors = [{"field": None, "code": code, "message": message}]
        return JsonResponse({"detail": message, "errors": errors}, status=status_code)
    page = f"<!doctype html><title>{escape(message)}</title><main><h1>{escape(message)}</h1></main>"
    return HttpResponse(page, status=status_code, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 naming the limit; any other bad request, 400 in JSON."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = _("The request body is larger than the %(limit)s MB this service accepts.") % {
            "limit": f"{limit / 1_000_000:g}"
        }
        return _error_answer(
            request, status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, code="too_large", message=message
        )
    if not request.path_info.startswith("/api/"):
        return defaults.bad_request(request, exception)
    return _error_answer(request, status_code=400, code="bad_request", message=_("The request could not be read."))


RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The database away is 503 with Retry-After (it is usually back within seconds); anything else, 500."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        message = _("The service is briefly unavailable. Please try again in a minute.")
        response = _error_answer(request, status_code=503, code="unavailable", message=message)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if not request.path_info.startswith("/api/"):
        return defaults.server_error(request)
    message = _("Something went wrong on our side. It has been logged; please try again later.")
    return _error_answer(request, status_code=500, code="server_error", message=message)
