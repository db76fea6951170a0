"""Every write to documents: adding, deleting, recording who of the staff looked, and purging old files."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import IO, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.models import User
from core.errors import ConflictError, ForbiddenError, PortalError
from vpn_records.models import Registration, Status
from vpn_records.services import registration_request_changes

from .files import inspect_document
from .models import Document, DocumentKind, DocumentView

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)

# Closed for good: their documents are kept DOCUMENT_RETENTION_DAYS after the closing change, then deleted.
CLOSED = (Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED)
STANDING = [status for status in Status.values if status not in (*CLOSED, Status.REVOKED)]


def _require_editable(registration: Registration, user: User) -> None:
    if user.applicant_id is None or user.applicant_id != registration.applicant_id:
        raise ForbiddenError(_("Only the applicant's own accounts can change its documents."), code="forbidden")
    if not registration.is_editable:
        raise ConflictError(
            _("%(reference)s can no longer be changed: it is %(status)s.")
            % {"reference": registration.reference, "status": registration.get_status_display().lower()},
            code="not_editable",
        )


def shown_name(name: str) -> str:
    """The uploader's file name as we display it: its last part, printable characters only (never NUL)."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(char for char in last if char.isprintable())[:255]


@transaction.atomic
def document_add(*, registration: Registration, user: User, kind: str, file: IO[bytes]) -> Document:
    """Store a document of `kind` for the registration, judged by its content (evidence.files)."""
    if kind not in DocumentKind.values:
        raise PortalError(_("Choose which document this is."), code="invalid_kind", field="kind")
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _require_editable(registration, user)
    name = shown_name(str(getattr(file, "name", "") or ""))
    clean = inspect_document(file, name)
    document = Document(
        registration=registration,
        kind=kind,
        content_type=clean.content_type,
        size=len(clean.content),
        file_name=name,
        uploaded_by=user,
    )
    return document_stored(document, clean.content)


def document_stored(document: M, content: bytes) -> M:
    """Write a judged document's file under a generated name, then its row: a row that fails leaves no file behind.
    For every model of a document held privately (registrations' and licence applications')."""
    document.file.save("upload", ContentFile(content), save=False)  # type: ignore[attr-defined]
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(document.file.name)  # type: ignore[attr-defined]  # no row, so no file
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document, user: User) -> None:
    """Remove a document while its registration can still be changed; the file goes once the delete commits."""
    registration = Registration.objects.select_for_update().get(pk=document.registration_id)
    _require_editable(registration, user)
    name, storage = document.file.name, document.file.storage
    document.delete()
    if name:
        transaction.on_commit(partial(storage.delete, name))


def document_viewed(*, document: Document, viewer: User) -> DocumentView:
    """Record that a member of staff opened the document."""
    return DocumentView.objects.create(document=document, viewer=viewer)


def documents_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files of documents whose registration closed (rejected, withdrawn, expired) more than
    DOCUMENT_RETENTION_DAYS ago. Each row stays, with `purged_at`, as the record of what was held."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
    closed_long_ago = (
        Registration.objects.filter(status__in=CLOSED)
        .annotate(
            closed_at=Coalesce(
                Max("status_changes__created_at", filter=Q(status_changes__entry__isnull=True)),
                "decided_at",
                "updated_at",
            )
        )
        .filter(closed_at__lt=cutoff)
        # A renewal or an address change still standing stands on the documents of the approval it continues.
        .exclude(renewals__status__in=STANDING)
        .exclude(entries__replaced_by__registration__status__in=STANDING)
        .values("pk")
    )
    purged = 0
    documents = Document.objects.filter(registration__in=closed_long_ago, purged_at__isnull=True)
    for document in documents.iterator():
        with transaction.atomic():
            locked = Document.objects.select_for_update(skip_locked=True).filter(pk=document.pk, purged_at=None)
            row = locked.first()
            if row is None:
                continue
            name, storage = row.file.name, row.file.storage
            Document.objects.filter(pk=row.pk).update(file="", purged_at=timezone.now())
            if name:
                transaction.on_commit(partial(storage.delete, name))
            purged += 1
    if purged:
        logger.info("deleted the files of %s documents past retention", purged)
    return purged


DOCUMENT_NEEDED = gettext_lazy("Document needed: %(document)s.")


def document_request(*, registration: Registration, actor: User, kind: str, details: str = "") -> Registration:
    """A reviewer asks for a missing or unreadable document: the registration goes back to the applicant
    (changes requested) with the reason "Document needed: …", in the applicant's language; they upload it and
    submit again."""
    if kind not in DocumentKind.values:
        raise PortalError(_("Choose which document this is."), code="kind_invalid", field="kind")
    with translation.override(registration.created_by.language):
        reason = str(DOCUMENT_NEEDED) % {"document": DocumentKind(kind).label}
    reason = f"{reason} {details.strip()}".strip()
    return registration_request_changes(registration=registration, actor=actor, reason=reason)
