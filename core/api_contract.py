"""The API keeps to its published schema for every view, present and future, in one place.

A request under /api/ is answered in the API's JSON error format when it names a method its view does not have (405
with `Allow`, before authentication: the method is wrong whoever asks) or when its query string breaks the
operation's declared parameters (400 naming each one): a value given twice where one is allowed, an empty value, a
wrong type, an unknown choice, a number out of range, a malformed date-time or uuid. Parameters the operation does
not declare are left alone, as before.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from jsonschema import Draft7Validator, FormatChecker  # type: ignore[import-untyped]
from rest_framework import exceptions
from rest_framework.views import APIView

from .digits import ascii_digits

# The operations the schema describes. The schema and docs pages are not among them, and keep their own decorators
# (the docs' Content-Security-Policy additions), which the view this answers through would drop.
_API = "/api/v1/"
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# Only the formats whose failure this module can explain; a view explains its own (an address that is a network).
_formats = FormatChecker(formats=())


@_formats.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


@_formats.checks("date")
def _is_date(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


@_formats.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return bool(uuid.UUID(str(value)))


def _route_key(route: str) -> str:
    """`api/v1/registrations/<str:reference>/` and `/api/v1/registrations/{reference}/` both as
    `api/v1/registrations/{}/`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", route.lstrip("/"))


_lock = threading.Lock()


@functools.cache
def _query_parameters() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(route, METHOD) → the operation's query parameters, read from the schema /api/schema/ publishes."""
    from drf_spectacular.generators import SchemaGenerator

    with _lock:
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (_route_key(path), method.upper()): [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }


def warm() -> None:
    """Read the schema before the first request needs it (gunicorn's post_worker_init)."""
    _query_parameters()


def _problem(name: str | None, code: str, message: str) -> dict[str, str | None]:
    return {"field": name, "code": code, "message": message}


def _coerce(value: str, schema: dict[str, Any]) -> object:
    """The query string's text as the type the schema declares, or None if it is not one."""
    kind = schema.get("type")
    if kind == "integer":
        try:
            return int(value) if _INTEGER.fullmatch(value) else None
        except ValueError:  # past Python's 4,300 digits
            return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(value)
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number - number == 0 else None  # not inf or nan
    return ascii_digits(value)  # numbers typed on an Urdu or Arabic keyboard read as the view reads them


def _expected(name: str, schema: dict[str, Any]) -> tuple[str, str]:
    """The code and message for a value the schema does not allow, saying what it allows."""
    kind, values = schema.get("type"), {"name": name}
    if "enum" in schema:
        values["choices"] = ", ".join(map(str, schema["enum"]))
        return "invalid_choice", _("“%(name)s” must be one of: %(choices)s.") % values
    if kind == "integer":
        if "minimum" in schema and "maximum" in schema:
            values |= {"minimum": schema["minimum"], "maximum": schema["maximum"]}
            return "invalid", _("“%(name)s” must be a whole number from %(minimum)s to %(maximum)s.") % values
        if "minimum" in schema:
            values["minimum"] = schema["minimum"]
            return "invalid", _("“%(name)s” must be a whole number of at least %(minimum)s.") % values
        return "invalid", _("“%(name)s” must be a whole number.") % values
    if kind == "boolean":
        return "invalid", _("“%(name)s” must be true or false.") % values
    if schema.get("format") == "date-time":
        return "invalid", _(
            "“%(name)s” must be a date and time with its offset, such as 2026-12-01T09:30:00+05:00."
        ) % values
    if schema.get("format") == "date":
        return "invalid", _("“%(name)s” must be a date such as 2026-12-01.") % values
    return "invalid", _("“%(name)s” is not a value this parameter takes.") % values


def _check_value(name: str, value: str, schema: dict[str, Any], *, allow_empty: bool) -> dict[str, str | None] | None:
    if value == "" and not allow_empty:
        return _problem(name, "blank", _("“%(name)s” is empty: give a value or leave it out.") % {"name": name})
    coerced = _coerce(value, schema)
    if coerced is None or not Draft7Validator(schema, format_checker=_formats).is_valid(coerced):
        return _problem(name, *_expected(name, schema))
    return None


def query_problems(query: dict[str, list[str]], parameters: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    """Each way `query` (a name → its values) breaks the declared `parameters`, one problem per parameter."""
    problems = []
    for parameter in parameters:
        name, schema = parameter["name"], parameter.get("schema", {})
        values = query.get(name, [])
        allow_empty = bool(parameter.get("allowEmptyValue"))
        if not values:
            if parameter.get("required"):
                problems.append(_problem(name, "required", _("“%(name)s” is required.") % {"name": name}))
            continue
        if schema.get("type") == "array":
            found = (_check_value(name, value, schema.get("items", {}), allow_empty=allow_empty) for value in values)
            problem = next((problem for problem in found if problem), None)
        elif len(values) > 1:
            problem = _problem(
                name, "repeated", _("Give “%(name)s” once, not %(count)s times.") % {"name": name, "count": len(values)}
            )
        else:
            problem = _check_value(name, values[0], schema, allow_empty=allow_empty)
        if problem:
            problems.append(problem)
    return problems


@functools.cache
def _checking(view_class: type[APIView]) -> type[APIView]:
    """`view_class`, checking the query string once authentication, permissions and throttles have let the
    request through: a caller who may not use the operation learns that first (403), not what it would take."""

    class Checking(view_class):  # type: ignore[valid-type,misc]
        def initial(self, request, *args, **kwargs):
            super().initial(request, *args, **kwargs)
            route = request.resolver_match.route if request.resolver_match else ""
            parameters = _query_parameters().get((_route_key(route), request.method or ""), [])
            problems = query_problems(dict(request.query_params.lists()), parameters)
            if problems:
                raise exceptions.ValidationError(
                    {str(p["field"]): [exceptions.ErrorDetail(str(p["message"]), code=p["code"])] for p in problems}
                )

    Checking.__name__ = Checking.__qualname__ = view_class.__name__
    return Checking


class ApiContractMiddleware:
    """405 with `Allow` for a method the view lacks; 400 for a query string its operation does not declare."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views: dict[object, object] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        if not request.path_info.startswith(_API) or not (view_class and issubclass(view_class, APIView)):
            return None
        allowed = [method.upper() for method in view_class.http_method_names if hasattr(view_class, method)]
        if "GET" in allowed and "head" in view_class.http_method_names:
            allowed.append("HEAD")  # Django's View answers HEAD with its GET
        if request.method not in allowed:
            refused = exceptions.MethodNotAllowed(request.method or "")
            errors = [_problem(None, refused.default_code, str(refused.detail))]
            answer = JsonResponse({"detail": str(refused.detail), "errors": errors}, status=405)
            answer["Allow"] = ", ".join(allowed)
            return answer
        if view_func not in self.views:
            self.views[view_func] = _checking(view_class).as_view(**(view_func.initkwargs or {}))
        return self.views[view_func](request, *view_args, **view_kwargs)  # type: ignore[operator]
