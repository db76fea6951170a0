"""Errors: under /api/ one JSON shape, a summary plus one item per problem with its field path; elsewhere our pages."""

from __future__ import annotations

import logging
import secrets
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.html import escape
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import PortalError

logger = logging.getLogger(__name__)


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


def validation_body(errors: list[dict]) -> dict:
    """The body of a 400: how many problems, then each with its field path."""
    summary = ngettext("The request has %(count)s problem.", "The request has %(count)s problems.", len(errors))
    return {"detail": summary % {"count": len(errors)}, "errors": errors}


def exception_handler(exc, context):
    """`{"detail": …, "errors": [{"field": "entries[1].network", "code": …, "message": …}]}`."""
    if isinstance(exc, PortalError):
        errors = [{"field": exc.field, "code": exc.code, "message": exc.message}]
        refused = Response({"detail": exc.message, "errors": errors}, status=exc.status_code)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:  # a refusal that ends: say when
            refused["Retry-After"] = str(retry_after)
        return refused
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(_flatten(exc.detail))
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["errors"] = [{"field": None, "code": getattr(detail, "code", "error"), "message": str(detail)}]
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data.setdefault("errors", [])
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _json_error(*, status_code: int, code: str, message: str, **extra: str) -> JsonResponse:
    errors = [{"field": None, "code": code, "message": message}]
    return JsonResponse({"detail": message, "errors": errors, **extra}, status=status_code)


def _service_page(
    request: HttpRequest, template_name: str, *, status_code: int, message: str, **context
) -> HttpResponse:
    """Our page rendered without context processors: no database, session or user, so it works with them broken."""
    context |= {"request": request, "csrf_token": get_token(request), "message": message}
    try:
        page: str = loader.render_to_string(template_name, context)
    except Exception:
        # A page that fails to render must not turn this error into another one.
        logger.exception("The error page %s could not be rendered", template_name)
        page = f"<!doctype html><title>{escape(message)}</title><main><h1>{escape(message)}</h1></main>"
    return HttpResponse(page, status=status_code, content_type="text/html; charset=utf-8")


def _error_answer(
    request: HttpRequest, *, status_code: int, code: str, message: str, template_name: str, **extra: str
) -> HttpResponse:
    """The API's JSON error under /api/ (with `extra` as fields); elsewhere our page, which needs no database."""
    if _is_api(request):
        return _json_error(status_code=status_code, code=code, message=message, **extra)
    return _service_page(request, template_name, status_code=status_code, message=message, **extra)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 for a URL no view matched (`/api/v1/review/entries/abc/approve/`): under /api/, JSON like the rest."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)  # templates/404.html
    not_found = exceptions.NotFound
    return _json_error(status_code=404, code=not_found.default_code, message=str(not_found.default_detail))


def api_not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Every path under /api/ that no route takes (an id that is not a number, a misspelt name): the JSON 404, even
    where DEBUG would show Django's page instead of calling handler404."""
    return page_not_found(request, exceptions.NotFound())


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: a PermissionDenied that no DRF view answered itself (DRF views answer theirs in JSON)."""
    if not _is_api(request):
        return defaults.permission_denied(request, exception)  # templates/403.html
    denied = exceptions.PermissionDenied
    return _json_error(status_code=403, code=denied.default_code, message=str(denied.default_detail))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page open too long, after the session changed, or without cookies."""
    if _is_api(request):
        message = _("CSRF verification failed: reload the page and send the request again, or use an API token.")
        return _json_error(status_code=403, code="csrf_failed", message=message)
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 naming the limit; any other bad request, 400."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = _("The request body is larger than the %(limit)s MB this service accepts.") % {
            "limit": f"{limit / 1_000_000:g}"
        }
        return _error_answer(
            request,
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            code="too_large",
            message=message,
            template_name="400.html",
        )
    message = _("The request could not be read.")
    return _error_answer(request, status_code=400, code="bad_request", message=message, template_name="400.html")


RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The database away is 503 with Retry-After (it is usually back within seconds); anything else, 500 with a
    reference the person can quote and support can find in the log."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        message = _("The service is briefly unavailable. Please try again in a minute.")
        response = _error_answer(
            request, status_code=503, code="unavailable", message=message, template_name="503.html"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    reference = secrets.token_hex(4).upper()
    message = _(
        "Something went wrong on our side. It has been logged with the reference %(reference)s; "
        "quote it if you contact us."
    ) % {"reference": reference}
    response = _error_answer(
        request, status_code=500, code="server_error", message=message, template_name="500.html", reference=reference
    )
    # Django's own line for this error, with the reference; Django then does not log it a second time.
    log_response(
        "%s: %s (reference %s)",
        response.reason_phrase,
        request.path,
        reference,
        response=response,
        request=request,
        exception=error,
    )
    return response
