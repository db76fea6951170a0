"""Every read of licence applications that depends on who is asking, and the public register."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.models import Applicant, User
from core.errors import ForbiddenError

from .models import LicenceApplication, LicenceDocument, LicenceStatus, ProviderUse

DOCUMENT_VIEW_PERMISSION = "licensing.view_licencedocument"


def licence_company_id_for(*, user: User) -> int:
    """The company the user applies for; ForbiddenError for a freelancer (or staff), who cannot hold a licence."""
    applicant = user.applicant
    if applicant is None or applicant.kind != Applicant.Kind.COMPANY:
        raise ForbiddenError(
            _("Only a company account can apply for a VPN service provider licence; freelancers register instead."),
            code="not_company",
        )
    return applicant.pk


def licence_applications_of(*, user: User) -> QuerySet[LicenceApplication]:
    """The applications of the user's company, newest first; none for anyone else."""
    if user.applicant_id is None:
        return LicenceApplication.objects.none()
    return LicenceApplication.objects.filter(applicant_id=user.applicant_id).order_by("-created_at", "-id")


def licence_application_get_for_user(*, user: User, application_id: int) -> LicenceApplication:
    """One of the user's company's applications, or 404."""
    try:
        return licence_applications_of(user=user).get(pk=application_id)
    except LicenceApplication.DoesNotExist:
        raise Http404(_("No such licence application.")) from None


def licence_application_get_for_staff(*, application_id: int) -> LicenceApplication:
    try:
        return LicenceApplication.objects.get(pk=application_id)
    except LicenceApplication.DoesNotExist:
        raise Http404(_("No such licence application.")) from None


def licence_documents_of(*, application: LicenceApplication) -> QuerySet[LicenceDocument]:
    return LicenceDocument.objects.filter(application=application).order_by("kind", "uploaded_at", "id")


def is_document_staff(user: User) -> bool:
    return user.is_staff and user.has_perm(DOCUMENT_VIEW_PERMISSION)


def licence_document_get_for_viewer(*, user: User, application_id: int, document_id: int) -> LicenceDocument:
    """A document for its company's members or for staff allowed to view documents; 404 for anyone else."""
    documents = LicenceDocument.objects.select_related("application")
    if not is_document_staff(user):
        if user.applicant_id is None:
            raise Http404(_("No such document."))
        documents = documents.filter(application__applicant_id=user.applicant_id)
    try:
        return documents.get(pk=document_id, application_id=application_id)
    except LicenceDocument.DoesNotExist:
        raise Http404(_("No such document.")) from None


def licences_on_register() -> QuerySet[LicenceApplication]:
    """The public register: licences granted and in force today (suspended, revoked and expired ones leave it)."""
    return (
        LicenceApplication.objects.filter(status=LicenceStatus.APPROVED, valid_until__gte=timezone.localdate())
        .select_related("applicant")
        .order_by("licence_number")
    )


def provider_use_get_for_user(*, user: User, use_id: int) -> ProviderUse:
    """One of the applicant's records of the provider it uses, or 404 for anyone else's."""
    use = (
        ProviderUse.objects.select_related("licence__applicant")
        .filter(pk=use_id, applicant_id=user.applicant_id)
        .first()
        if user.applicant_id is not None
        else None
    )
    if use is None:
        raise Http404(_("No such record."))
    return use
