"""A lifecycle any application type can use: which status may follow which, moving a row only if nobody moved
it first, and an audit record of every move. Registrations use it; licence applications will too."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ConflictError

Subject = TypeVar("Subject", bound=models.Model)
Record = TypeVar("Record", bound=models.Model)


class StatusRecord(models.Model):
    """What every audit record holds besides its subject and statuses: who, why and when. Never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=gettext_lazy("Empty when the system made the change."),
    )
    reason = models.TextField(gettext_lazy("reason"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("when"), auto_now_add=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Lifecycle:
    """The statuses of one kind of subject (a model with a `status` field) and the moves allowed between them."""

    statuses: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]

    def can(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def refusal(self, name: str, current: str, target: str) -> ConflictError:
        return ConflictError(
            _("%(what)s cannot go from “%(current)s” to “%(target)s”.")
            % {"what": name, "current": self.statuses(current).label, "target": self.statuses(target).label},
            code="invalid_transition",
        )

    @transaction.atomic
    def move(self, subject: Subject, to: str, *, name: str, record: Callable[[str], Record], **fields: Any) -> Record:
        """Move `subject` to `to` with `fields`, or raise ConflictError; `record(from_status)` is the audit row,
        saved here. The row changes only if its status is still the one read."""
        current = subject.status  # type: ignore[attr-defined]
        if not self.can(current, to):
            raise self.refusal(name, current, to)
        if not type(subject)._default_manager.filter(pk=subject.pk, status=current).update(status=to, **fields):
            raise ConflictError(
                _("%(reference)s was changed by someone else meanwhile; reload and try again.") % {"reference": name},
                code="stale",
            )
        subject.status = to  # type: ignore[attr-defined]
        for field, value in fields.items():
            setattr(subject, field, value)
        audit = record(current)
        audit.save()
        return audit

    @transaction.atomic
    def move_all(
        self,
        subjects: Iterable[Subject],
        to: str,
        *,
        name: Callable[[Subject], str],
        record: Callable[[Subject, str], Record],
        **fields: Any,
    ) -> list[Record]:
        """Move every subject to `to`, all or none, each recorded by `record(subject, from_status)`."""
        subjects = list(subjects)
        for subject in subjects:
            if not self.can(subject.status, to):  # type: ignore[attr-defined]
                raise self.refusal(name(subject), subject.status, to)  # type: ignore[attr-defined]
        audits: list[Record] = []
        for current in {subject.status for subject in subjects}:  # type: ignore[attr-defined]
            batch = [subject for subject in subjects if subject.status == current]  # type: ignore[attr-defined]
            manager = type(batch[0])._default_manager
            if manager.filter(pk__in=[s.pk for s in batch], status=current).update(status=to, **fields) != len(batch):
                raise ConflictError(
                    _("An entry was changed by someone else meanwhile; reload and try again."), code="stale"
                )
            audits += [record(subject, current) for subject in batch]
        if audits:
            type(audits[0])._default_manager.bulk_create(audits)
        for subject in subjects:
            subject.status = to  # type: ignore[attr-defined]
            for field, value in fields.items():
                setattr(subject, field, value)
        return audits
