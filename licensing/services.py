"""Every write to licence applications and licences: apply, add documents, submit, recommend, grant, refuse,
renew, suspend, reinstate, revoke, expire. Each status change is recorded and told to the company's members."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applicants.models import User
from core.bidi import isolate
from core.errors import ConflictError, ForbiddenError, PortalError
from core.networks import IPNetwork, NetworkError, display_network, parse_network
from evidence.files import inspect_document
from evidence.services import document_stored, shown_name
from notifications.services import notify_members
from vpn_records.checks import FAIL, check_prefix_size, check_public
from vpn_records.holders import held_by_others
from vpn_records.msisdn import normalise_msisdn
from vpn_records.services import licence_gateways_extend, licence_gateways_publish, licence_gateways_withdraw

from .models import (
    CLOSED,
    Clientele,
    LicenceApplication,
    LicenceChange,
    LicenceDocument,
    LicenceDocumentKind,
    LicenceDocumentView,
    LicenceSequence,
    LicenceStatus,
    ProviderUse,
    Province,
    Recommendation,
    Scope,
    licence_number_text,
)
from .selectors import licence_company_id_for, licences_on_register
from .workflow import LIFECYCLE, application_name, transition_application

logger = logging.getLogger(__name__)
S = LicenceStatus
EDITABLE = (S.DRAFT, S.INFORMATION_REQUESTED)
MAX_GATEWAYS = 1000
MAX_DATA_CENTRES = 50


def licence_fee(*, scope: str, provinces: Sequence[str]) -> int:
    """Rupees: LICENCE_FEE_NATIONWIDE, or LICENCE_FEE_PER_PROVINCE for each province or territory."""
    if scope == Scope.NATIONWIDE:
        return settings.LICENCE_FEE_NATIONWIDE
    return settings.LICENCE_FEE_PER_PROVINCE * len(provinces)


def _provinces(scope: str, provinces: Sequence[str]) -> list[str]:
    if scope not in Scope.values:
        raise PortalError(_("Choose nationwide or named provinces."), code="scope_invalid", field="scope")
    if scope == Scope.NATIONWIDE:
        return []
    if not provinces:
        raise PortalError(
            _("Name at least one province or territory, or apply nationwide."), code="provinces_required",
            field="provinces",
        )  # fmt: skip
    for index, code in enumerate(provinces):
        if code not in Province.values:
            raise PortalError(
                _("“%(province)s” is not a province or territory we know. Use one of: %(known)s.")
                % {"province": isolate(code), "known": ", ".join(Province.values)},
                code="province_unknown",
                field=f"provinces[{index}]",
            )
    return sorted(set(provinces), key=Province.values.index)


def _gateways(texts: Sequence[str], *, applicant_id: int) -> list[IPNetwork]:
    """Each gateway parsed and put through the registrations' checks: public, no larger than policy allows, and
    held by no other applicant (whom we never name)."""
    if not texts:
        raise PortalError(_("Enter at least one gateway network."), code="no_gateways", field="gateways")
    if len(texts) > MAX_GATEWAYS:
        raise PortalError(
            _("Enter at most %(limit)s gateway networks.") % {"limit": MAX_GATEWAYS}, code="too_many", field="gateways"
        )
    networks: list[IPNetwork] = []
    for index, text in enumerate(texts):
        field = f"gateways[{index}]"
        try:
            network = parse_network(text)
        except NetworkError as error:
            raise PortalError(error.message, code="invalid_network", field=field) from None
        for finding in (check_public(network), check_prefix_size(network)):
            if finding.severity == FAIL:
                raise PortalError(finding.message, code=finding.code, field=field)
        if network in networks:
            raise PortalError(_("The same network is listed twice."), code="duplicate_entry", field=field)
        networks.append(network)
    held = held_by_others(networks=networks, applicant_id=applicant_id)
    for index, network in enumerate(networks):
        if network in held:
            raise PortalError(
                _("%(network)s is registered to another applicant, so it cannot be your gateway.")
                % {"network": isolate(display_network(network))},
                code="held_by_another",
                field=f"gateways[{index}]",
            )
    return networks


def _data_centres(locations: Sequence[str]) -> list[str]:
    kept = [location.strip() for location in locations if location and location.strip()]
    if not kept:
        raise PortalError(
            _("Name at least one data centre in Pakistan."), code="data_centres_required", field="data_centres"
        )
    if len(kept) > MAX_DATA_CENTRES:
        raise PortalError(
            _("Name at most %(limit)s data centres.") % {"limit": MAX_DATA_CENTRES}, code="too_many",
            field="data_centres",
        )  # fmt: skip
    return kept


def _contact(contact: dict[str, str]) -> dict[str, str]:
    name, email = (contact.get("name") or "").strip(), (contact.get("email") or "").strip()
    if not name:
        raise PortalError(_("Name the technical contact."), code="required", field="technical_contact.name")
    try:
        validate_email(email)
    except ValidationError:
        raise PortalError(
            _("Enter the technical contact's email address."), code="invalid_email", field="technical_contact.email"
        ) from None
    try:
        mobile = normalise_msisdn(contact.get("mobile") or "")
    except ValidationError as error:
        raise PortalError(error.messages[0], code="msisdn_invalid", field="technical_contact.mobile") from None
    return {"technical_contact_name": name, "technical_contact_email": email, "technical_contact_mobile": mobile}


def _open_application_error() -> ConflictError:
    return ConflictError(
        _(
            "Your company already has a licence application or licence open. Withdraw it, or wait for its decision, "
            "before applying again."
        ),
        code="application_open",
    )


@transaction.atomic
def licence_application_create(
    *,
    user: User,
    trade_name: str,
    scope: str,
    clientele: str,
    data_centres: Sequence[str],
    gateways: Sequence[str],
    technical_contact: dict[str, str],
    fee_reference: str,
    provinces: Sequence[str] = (),
) -> LicenceApplication:
    """Start a draft application for the user's company, its fee worked out from the scope; one open at a time."""
    applicant_id = licence_company_id_for(user=user)
    if not trade_name.strip():
        raise PortalError(_("Enter the trade name."), code="required", field="trade_name")
    if not fee_reference.strip():
        raise PortalError(_("Enter the fee challan number."), code="required", field="fee_reference")
    if clientele not in Clientele.values:
        raise PortalError(_("Choose commercial clients or the public."), code="invalid", field="clientele")
    kept_provinces = _provinces(scope, provinces)
    fields: dict[str, Any] = {
        "trade_name": trade_name.strip(),
        "scope": scope,
        "provinces": kept_provinces,
        "clientele": clientele,
        "data_centres": _data_centres(data_centres),
        "gateways": [str(network) for network in _gateways(gateways, applicant_id=applicant_id)],
        "fee_reference": fee_reference.strip(),
        "fee": licence_fee(scope=scope, provinces=kept_provinces),
        **_contact(technical_contact),
    }
    if LicenceApplication.objects.filter(applicant_id=applicant_id).exclude(status__in=CLOSED).exists():
        raise _open_application_error()
    try:
        with transaction.atomic():
            return LicenceApplication.objects.create(applicant_id=applicant_id, created_by=user, **fields)
    except IntegrityError:  # licence_one_open_per_company: another request applied a moment ago
        raise _open_application_error() from None


def _lock(application: LicenceApplication) -> LicenceApplication:
    return LicenceApplication.objects.select_for_update().get(pk=application.pk)


def _require_member(application: LicenceApplication, user: User) -> None:
    if user.applicant_id is None or user.applicant_id != application.applicant_id:
        raise ForbiddenError(_("Only the company's own accounts can change its application."), code="forbidden")


def _require_editable(application: LicenceApplication) -> None:
    if application.status not in EDITABLE:
        raise ConflictError(
            _("The application can no longer be changed: it is %(status)s.")
            % {"status": application.get_status_display().lower()},
            code="not_editable",
        )


@transaction.atomic
def licence_document_add(*, application: LicenceApplication, user: User, kind: str, file: IO[bytes]) -> LicenceDocument:
    """Store a document of `kind`, judged by its content and kept privately as registrations' documents are."""
    if kind not in LicenceDocumentKind.values:
        raise PortalError(_("Choose which document this is."), code="invalid_kind", field="kind")
    application = _lock(application)
    _require_member(application, user)
    _require_editable(application)
    name = shown_name(str(getattr(file, "name", "") or ""))
    clean = inspect_document(file, name)
    document = LicenceDocument(
        application=application,
        kind=kind,
        content_type=clean.content_type,
        size=len(clean.content),
        file_name=name,
        uploaded_by=user,
    )
    return document_stored(document, clean.content)


def licence_document_viewed(*, document: LicenceDocument, viewer: User) -> LicenceDocumentView:
    """Record that a member of staff opened the document."""
    return LicenceDocumentView.objects.create(document=document, viewer=viewer)


def missing_documents(application: LicenceApplication) -> list[str]:
    held = set(application.documents.values_list("kind", flat=True))
    return [str(kind.label) for kind in LicenceDocumentKind if kind.value not in held]


@transaction.atomic
def licence_application_submit(*, application: LicenceApplication, user: User) -> LicenceApplication:
    """Send a draft (or an application sent back for information) to the regulator, once every document is there."""
    application = _lock(application)
    _require_member(application, user)
    _require_editable(application)
    missing = missing_documents(application)
    if missing:
        raise PortalError(
            _("Upload these documents before submitting: %(documents)s.") % {"documents": ", ".join(missing)},
            code="documents_missing",
            field="documents",
        )
    change = transition_application(application=application, to=S.SUBMITTED, actor=user, submitted_at=timezone.now())
    _changed(application, change)
    return application


@transaction.atomic
def licence_application_withdraw(
    *, application: LicenceApplication, user: User, reason: str = ""
) -> LicenceApplication:
    application = _lock(application)
    _require_member(application, user)
    change = transition_application(application=application, to=S.WITHDRAWN, actor=user, reason=reason)
    _changed(application, change)
    return application


def _require(actor: User, permission: str) -> None:
    if not actor.has_perm(f"licensing.{permission}"):
        raise ForbiddenError(_("Your role does not allow this."), code="forbidden")


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise PortalError(_("Give a reason: the company will see it."), code="reason_required", field="reason")


@transaction.atomic
def licence_recommend(
    *, application: LicenceApplication, actor: User, recommendation: str = Recommendation.GRANT, reason: str = ""
) -> LicenceApplication:
    """A licensing reviewer recommends a submitted application for grant or for refusal (with a reason); a
    supervisor, another person, then decides."""
    _require(actor, "recommend_licenceapplication")
    if recommendation not in Recommendation.values:
        raise PortalError(_("Recommend grant or refusal."), code="invalid", field="recommendation")
    if recommendation == Recommendation.REFUSE:
        _require_reason(reason)
    application = _lock(application)
    change = transition_application(
        application=application,
        to=S.UNDER_REVIEW,
        actor=actor,
        reason=reason,
        recommendation=recommendation,
        recommended_by=actor,
        recommended_at=timezone.now(),
    )
    _changed(application, change)
    return application


@transaction.atomic
def licence_request_information(*, application: LicenceApplication, actor: User, reason: str) -> LicenceApplication:
    """Send the application back to the company for what is missing; they add it and submit again."""
    if not (
        actor.has_perm("licensing.recommend_licenceapplication") or actor.has_perm("licensing.grant_licenceapplication")
    ):
        raise ForbiddenError(_("Your role does not allow this."), code="forbidden")
    _require_reason(reason)
    application = _lock(application)
    change = transition_application(
        application=application,
        to=S.INFORMATION_REQUESTED,
        actor=actor,
        reason=reason,
        recommendation="",
        recommended_by=None,
        recommended_at=None,
    )
    _changed(application, change)
    return application


def next_licence_number() -> str:
    """The next licence number of the year (PTA-VPN-CL-2026-0001): no gaps and no repeats under concurrency, since
    the number is taken inside the granting transaction and the sequence row stays locked until it ends."""
    year = timezone.localdate().year
    LicenceSequence.objects.get_or_create(year=year)
    LicenceSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
    return licence_number_text(year, LicenceSequence.objects.get(year=year).last_number)


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


def default_conditions(application: LicenceApplication) -> str:
    """The licence's conditions unless the supervisor edits them at grant: the legal text, kept in English."""
    with translation.override("en"):
        context = {"application": application, "years": settings.LICENCE_VALIDITY_YEARS}
        return render_to_string("licensing/conditions.txt", context, using="text").strip()


@transaction.atomic
def licence_grant(
    *, application: LicenceApplication, actor: User, conditions: str | None = None, reason: str = ""
) -> LicenceApplication:
    """A supervisor grants a licence another reviewer recommended: the next licence number, LICENCE_VALIDITY_YEARS
    of validity, the conditions, and its gateways on the whitelist under that number."""
    _require(actor, "grant_licenceapplication")
    application = _lock(application)
    if application.status == S.UNDER_REVIEW and application.recommendation != Recommendation.GRANT:
        raise ConflictError(
            _("The reviewer recommended refusal: refuse it, or ask for information and have it reviewed again."),
            code="not_recommended",
        )
    if application.status == S.UNDER_REVIEW and application.recommended_by_id == actor.pk:
        raise ConflictError(
            _("You recommended this application, so another supervisor must grant it (four eyes)."),
            code="four_eyes",
        )
    if application.status != S.UNDER_REVIEW:
        raise LIFECYCLE.refusal(application_name(application), application.status, S.APPROVED)
    today = timezone.localdate()
    number = next_licence_number()
    valid_until = years_later(today, settings.LICENCE_VALIDITY_YEARS)
    application.licence_number = number  # the published registration and the notice name it
    registration = licence_gateways_publish(
        applicant_id=application.applicant_id,
        actor=actor,
        licence_number=number,
        networks=[parse_network(network) for network in application.gateways],
        valid_until=valid_until,
    )
    change = transition_application(
        application=application,
        to=S.APPROVED,
        actor=actor,
        reason=reason,
        licence_number=number,
        granted_by=actor,
        granted_at=timezone.now(),
        valid_from=today,
        valid_until=valid_until,
        conditions=(conditions or "").strip() or default_conditions(application),
        gateway_registration=registration,
    )
    _changed(application, change)
    return application


@transaction.atomic
def licence_refuse(*, application: LicenceApplication, actor: User, reason: str) -> LicenceApplication:
    _require(actor, "grant_licenceapplication")
    _require_reason(reason)
    application = _lock(application)
    change = transition_application(application=application, to=S.REJECTED, actor=actor, reason=reason)
    _changed(application, change)
    return application


def _withdraw_gateways(application: LicenceApplication, *, actor: User | None, reason: str) -> None:
    if application.gateway_registration is not None:
        licence_gateways_withdraw(registration=application.gateway_registration, actor=actor, reason=reason)


@transaction.atomic
def licence_suspend(*, application: LicenceApplication, actor: User, reason: str) -> LicenceApplication:
    """The licence leaves the register and its gateways the whitelist at once, until it is reinstated."""
    _require(actor, "grant_licenceapplication")
    _require_reason(reason)
    application = _lock(application)
    change = transition_application(application=application, to=S.SUSPENDED, actor=actor, reason=reason)
    _withdraw_gateways(application, actor=actor, reason=reason)
    _changed(application, change)
    return application


@transaction.atomic
def licence_revoke(*, application: LicenceApplication, actor: User, reason: str) -> LicenceApplication:
    """For good: off the register, its gateways off the whitelist."""
    _require(actor, "grant_licenceapplication")
    _require_reason(reason)
    application = _lock(application)
    was_listed = application.status == S.APPROVED
    change = transition_application(application=application, to=S.REVOKED, actor=actor, reason=reason)
    if was_listed:
        _withdraw_gateways(application, actor=actor, reason=reason)
    _changed(application, change)
    return application


@transaction.atomic
def licence_reinstate(*, application: LicenceApplication, actor: User, reason: str) -> LicenceApplication:
    """A suspended licence back on the register, its gateways published again until the licence's end."""
    _require(actor, "grant_licenceapplication")
    _require_reason(reason)
    application = _lock(application)
    if application.status == S.SUSPENDED and application.valid_until and application.valid_until < timezone.localdate():
        raise ConflictError(_("The licence has ended; it cannot be reinstated."), code="ended")
    registration = None
    if application.status == S.SUSPENDED:
        registration = licence_gateways_publish(
            applicant_id=application.applicant_id,
            actor=actor,
            licence_number=application.licence_number,
            networks=[parse_network(network) for network in application.gateways],
            valid_until=application.valid_until or timezone.localdate(),
        )
    change = transition_application(
        application=application, to=S.APPROVED, actor=actor, reason=reason, gateway_registration=registration
    )
    _changed(application, change)
    return application


@transaction.atomic
def licence_renew(*, application: LicenceApplication, actor: User, reason: str = "") -> LicenceApplication:
    """Another LICENCE_VALIDITY_YEARS from the current end (or from today, if that has passed); the gateways stay
    listed to the new end. Recorded as a change from granted to granted, with the new end."""
    _require(actor, "grant_licenceapplication")
    application = _lock(application)
    if application.status != S.APPROVED or application.valid_until is None:
        raise ConflictError(
            _("Only a granted licence can be renewed; this one is %(status)s.")
            % {"status": application.get_status_display().lower()},
            code="not_renewable",
        )
    start = max(application.valid_until, timezone.localdate())
    application.valid_until = years_later(start, settings.LICENCE_VALIDITY_YEARS)
    LicenceApplication.objects.filter(pk=application.pk).update(valid_until=application.valid_until)
    if application.gateway_registration is not None:
        licence_gateways_extend(registration=application.gateway_registration, valid_until=application.valid_until)
    with translation.override("en"):
        renewed = _("Renewed until %(date)s.") % {"date": date_format(application.valid_until, "j F Y")}
    change = LicenceChange.objects.create(
        application=application,
        from_status=S.APPROVED,
        to_status=S.APPROVED,
        actor=actor,
        reason=f"{renewed} {reason.strip()}".strip(),
    )
    _changed(application, change)
    return application


def licences_expire(*, today: date | None = None) -> list[str]:
    """Licences past their end become expired, their gateways (already off the whitelist by date) closed too.
    Safe to run twice; returns the licence numbers expired."""
    today = today or timezone.localdate()
    expired = []
    ended = LicenceApplication.objects.filter(status__in=[S.APPROVED, S.SUSPENDED], valid_until__lt=today)
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            application = LicenceApplication.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if application is None or application.status not in (S.APPROVED, S.SUSPENDED):
                continue
            reason = _("The licence reached the end of its validity.")
            was_listed = application.status == S.APPROVED
            change = transition_application(application=application, to=S.EXPIRED, reason=reason)
            if was_listed:
                _withdraw_gateways(application, actor=None, reason=reason)
            _changed(application, change)
            expired.append(application.licence_number)
    return expired


def _changed(application: LicenceApplication, change: LicenceChange) -> None:
    """Tell the company's members, each in their language, by email and in the portal (once per change)."""
    link = settings.SITE_URL + reverse("licensing:mine")

    def context(_member: object) -> dict:
        return {
            "application": application,
            # Isolated, so a licence number, a date or a Latin trade name reads whole inside Urdu.
            "number": isolate(application.licence_number),
            "until": isolate(date_format(application.valid_until, "j F Y")) if application.valid_until else "",
            "name": isolate(application.trade_name),
            "status": str(LicenceStatus(change.to_status).label),
            "renewed": change.from_status == change.to_status,
            "reason": change.reason,
            "link": link,
        }

    members = application.applicant.members.filter(is_active=True).order_by("pk")
    notify_members(members=members, event="licence_changed", context=context, key=str(change.pk))
    logger.info("licence application %s: %s → %s", application.pk, change.from_status, change.to_status)


def provider_use_record(*, user: User, licence_number: str) -> ProviderUse:
    """Record that the applicant's VPN is the service of a licensed provider, chosen from the register: no
    registration is needed. Only a licence in force can be chosen; recording it twice finds the first record."""
    if user.applicant_id is None:
        raise PortalError(_("Only applicant accounts can record the provider they use."), code="not_applicant")
    licence = licences_on_register().filter(licence_number=licence_number.strip()).first()
    if licence is None:
        raise PortalError(
            _("%(number)s is not a licence in force: choose a provider from the register of licensed providers.")
            % {"number": isolate(licence_number.strip()[:40])},
            code="not_licensed",
            field="licence_number",
        )
    use, _created = ProviderUse.objects.get_or_create(
        applicant_id=user.applicant_id, licence=licence, defaults={"recorded_by": user}
    )
    return use
