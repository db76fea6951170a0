from __future__ import annotations

from django.db import models


def choice_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """The database refuses a value outside the field's choices, whoever writes it."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)
