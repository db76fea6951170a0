"""Every read of bulk uploads that depends on who is asking."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from applicants.models import User

from .models import BulkUpload


def bulk_uploads_for_user(*, user: User) -> QuerySet[BulkUpload]:
    """The uploads of the user's applicant, newest first (a company's colleagues see each other's)."""
    if not user.is_authenticated or user.applicant_id is None:
        return BulkUpload.objects.none()
    return (
        BulkUpload.objects.filter(applicant_id=user.applicant_id)
        .select_related("registration", "uploaded_by")
        .order_by("-created_at", "-id")
    )


def bulk_upload_get_for_user(*, user: User, public_id) -> BulkUpload:
    """One of the applicant's uploads, or 404 for anyone else's."""
    try:
        return bulk_uploads_for_user(user=user).get(public_id=public_id)
    except BulkUpload.DoesNotExist:
        raise Http404(_("No such upload.")) from None
