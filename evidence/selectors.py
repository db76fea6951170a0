"""Every read of documents that depends on who is asking."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from applicants.models import User
from vpn_records.models import Registration

from .models import Document

VIEW_PERMISSION = "evidence.view_document"


def documents_of(*, registration: Registration) -> QuerySet[Document]:
    """The registration's documents whose files are still held."""
    return Document.objects.filter(registration=registration, purged_at__isnull=True).order_by(
        "kind", "uploaded_at", "id"
    )


def document_get_for_user(*, registration: Registration, document_id: int) -> Document:
    """A document of a registration the caller may see (vpn_records' registration_get_for_user), or 404."""
    try:
        return documents_of(registration=registration).get(pk=document_id)
    except Document.DoesNotExist:
        raise Http404(_("No such document.")) from None


def is_document_staff(user: User) -> bool:
    return user.is_staff and user.has_perm(VIEW_PERMISSION)


def document_get_for_viewer(*, user: User, reference: str, document_id: int) -> Document:
    """A document for its applicant's members or for staff allowed to view documents; 404 for anyone else."""
    documents = Document.objects.filter(purged_at__isnull=True).select_related("registration")
    if not is_document_staff(user):
        if user.applicant_id is None:
            raise Http404(_("No such document."))
        documents = documents.filter(registration__applicant_id=user.applicant_id)
    try:
        return documents.get(pk=document_id, registration__reference=reference)
    except Document.DoesNotExist:
        raise Http404(_("No such document.")) from None
