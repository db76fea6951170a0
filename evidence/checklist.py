"""Which documents a registration needs, from the requirements staff set in the admin, and what is missing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from applicants.models import Applicant
from core.errors import PortalError
from vpn_records.models import Purpose, Registration

from .models import Document, DocumentKind, DocumentRequirement
from .selectors import documents_of


@dataclass
class ChecklistItem:
    kind: DocumentKind
    required: bool
    documents: list[Document]

    @property
    def is_missing(self) -> bool:
        return self.required and not self.documents


def requirements_for(registration: Registration) -> dict[str, bool]:
    """Each document kind that applies to the registration → whether it is required (required wins)."""
    rows = DocumentRequirement.objects.filter(
        Q(applicant_kind="") | Q(applicant_kind=registration.applicant.kind),
        Q(purpose="") | Q(purpose=registration.purpose),
    ).values_list("kind", "required")
    kinds: dict[str, bool] = {}
    for kind, required in rows:
        kinds[kind] = kinds.get(kind, False) or required
    return kinds


def checklist(registration: Registration) -> list[ChecklistItem]:
    """The documents that apply, required ones first, each with what is uploaded; then any other uploaded."""
    kinds = requirements_for(registration)
    uploaded: dict[str, list[Document]] = {}
    # A renewal or an address change stands on the documents of the approval it continues, and may add its own.
    lineage: Registration | None = registration
    seen: set[int] = set()
    while lineage is not None and lineage.pk not in seen:
        seen.add(lineage.pk)
        for document in documents_of(registration=lineage):
            uploaded.setdefault(document.kind, []).append(document)
        lineage = lineage.continues
    order = list(DocumentKind.values)
    shown = sorted(set(kinds) | set(uploaded), key=lambda kind: (not kinds.get(kind, False), order.index(kind)))
    return [ChecklistItem(DocumentKind(kind), kinds.get(kind, False), uploaded.get(kind, [])) for kind in shown]


def missing_documents(registration: Registration) -> list[DocumentKind]:
    """The required document kinds with nothing uploaded, in the checklist's order."""
    return [item.kind for item in checklist(registration) if item.is_missing]


def documents_complete(registration: Registration) -> PortalError | None:
    """vpn_records' submission check: every required document uploaded (when DOCUMENTS_REQUIRED is on)."""
    if not settings.DOCUMENTS_REQUIRED:
        return None
    missing = missing_documents(registration)
    if not missing:
        return None
    return PortalError(
        _("Upload these documents before submitting: %(documents)s.")
        % {"documents": "; ".join(str(kind.label) for kind in missing)},
        code="documents_missing",
    )


def documents_panel(request: HttpRequest, registration: Registration, editable: bool) -> SafeString:
    """The checklist on a registration's pages; on check your answers with the upload form and Remove buttons."""
    context = {
        "registration": registration,
        "editable": editable and registration.is_editable,
        "checklist": checklist(registration),
        "kinds": DocumentKind.choices,
        "max_mb": f"{settings.DOCUMENT_MAX_BYTES / 1_000_000:g}",
    }
    return render_to_string("evidence/_checklist.html", context, request=request)


def documents_needed_panel(request: HttpRequest, applicant: Applicant) -> SafeString:
    """On the registration form, before anything is typed: the documents this kind of applicant will upload, and
    those some purposes add."""
    rows = DocumentRequirement.objects.filter(Q(applicant_kind="") | Q(applicant_kind=applicant.kind))
    always = sorted({DocumentKind(r.kind) for r in rows if not r.purpose and r.required}, key=_order)
    by_purpose = sorted(
        {(Purpose(r.purpose), DocumentKind(r.kind)) for r in rows if r.purpose and r.required},
        key=lambda pair: (Purpose.values.index(pair[0]), _order(pair[1])),
    )
    context = {"always": always, "by_purpose": by_purpose, "required": settings.DOCUMENTS_REQUIRED}
    return render_to_string("evidence/_documents_needed.html", context, request=request)


def _order(kind: DocumentKind) -> int:
    return DocumentKind.values.index(kind)
