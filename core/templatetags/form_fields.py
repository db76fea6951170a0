"""A form field's control with what GOV.UK's error pattern asks of it: aria-invalid when it has an error, and
aria-describedby naming the hint and the error messages shown beside it (ids from `field_ids`)."""

from __future__ import annotations

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def hint_id(field: BoundField) -> str:
    return f"{field.auto_id}-hint"


@register.filter
def error_id(field: BoundField) -> str:
    return f"{field.auto_id}-error"


@register.filter
def control(field: BoundField) -> str:
    described = [hint_id(field)] if field.help_text else []
    attrs: dict[str, str | bool] = {}
    if field.errors:
        described.append(error_id(field))
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
