"""Proof of possession of a mobile number: a 6-digit code by SMS, in the applicant's language, valid for ten minutes,
stored only as a digest, five wrong tries before a new one is needed, resent after a minute at the earliest, and
limited per number, per account and per client address so the portal cannot be used to flood a stranger's phone."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applicants.models import User
from applicants.throttles import TooManyAttempts
from core.digits import ascii_digits
from core.errors import PortalError
from core.rate_limits import throttle_count
from notifications.models import Notification
from notifications.services import notification_queue

from .models import MsisdnProof
from .msisdn import Operator, mask_msisdn, normalise_msisdn, operator_of

logger = logging.getLogger(__name__)
__all__ = ["operator_of"]  # the API reports whether the operator matches the prefix

CODE_VALID_FOR = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
WRONG_CODES_ALLOWED = 5


class CodeTooSoon(PortalError):
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(
            ngettext(
                "A code was sent a moment ago. You can ask for another in %(seconds)d second.",
                "A code was sent a moment ago. You can ask for another in %(seconds)d seconds.",
                retry_after,
            )
            % {"seconds": retry_after},
            code="code_too_soon",
        )
        self.retry_after = retry_after


def msisdn_code_send(*, user: User, msisdn: str, operator: str, client_address: str) -> MsisdnProof:
    """Send a new code to the number, after commit, through the SMS outbox; the proof row says when it expires."""
    applicant_id = _applicant_id(user)
    number = _number(msisdn)
    if operator not in Operator.values:
        raise PortalError(_("Choose the number's operator."), code="operator_invalid", field="operator")
    _count(number=number, user=user, client_address=client_address)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        proof, _created = MsisdnProof.objects.select_for_update().get_or_create(
            applicant_id=applicant_id, msisdn=number, defaults={"operator": operator}
        )
        now = timezone.now()
        if proof.sent_at and now < proof.sent_at + RESEND_AFTER:
            raise CodeTooSoon(int((proof.sent_at + RESEND_AFTER - now).total_seconds()) + 1)
        proof.operator, proof.sent_at, proof.expires_at = operator, now, now + CODE_VALID_FOR
        proof.wrong_attempts, proof.codes_sent = 0, proof.codes_sent + 1
        proof.code_digest = _digest(proof, code)
        proof.save()
        notification_queue(
            channel=Notification.Channel.SMS,
            event="msisdn_code",
            to_address=number,
            context={"code": code, "minutes": int(CODE_VALID_FOR.total_seconds() // 60)},
            idempotency_key=f"msisdn_code:{proof.pk}:{proof.codes_sent}",
            user=user,
            language=user.language,
            secret=True,
        )
    logger.info("code %s sent to %s for applicant %s", proof.codes_sent, mask_msisdn(number), applicant_id)
    return proof


def msisdn_code_verify(*, user: User, msisdn: str, code: str) -> MsisdnProof:
    """The number is proved when the latest code comes back in time; each wrong code counts against five."""
    applicant_id = _applicant_id(user)
    number = _number(msisdn)
    typed = ascii_digits((code or "").strip())
    with transaction.atomic():
        proof = MsisdnProof.objects.select_for_update().filter(applicant_id=applicant_id, msisdn=number).first()
        refusal = _refusal(proof, typed)
        if proof is not None and refusal is not None and refusal.code == "code_wrong":
            proof.wrong_attempts += 1
            proof.save(update_fields=["wrong_attempts"])
        elif proof is not None and refusal is None:
            proof.verified_at, proof.code_digest = timezone.now(), ""  # one use
            proof.save(update_fields=["verified_at", "code_digest"])
    if refusal is not None:  # raised after commit: a wrong code still counts
        raise refusal
    logger.info("%s proved by applicant %s", mask_msisdn(number), applicant_id)
    return proof  # type: ignore[return-value]  # a proof exists when there is no refusal


def _refusal(proof: MsisdnProof | None, typed: str) -> PortalError | None:
    if proof is None or not proof.code_digest:
        return PortalError(_("Ask for a code for this number first."), code="no_code", field="code")
    if proof.wrong_attempts >= WRONG_CODES_ALLOWED:
        return PortalError(
            _("That was the fifth wrong code: ask for a new code to try again."), code="code_locked", field="code"
        )
    if proof.expires_at is None or timezone.now() > proof.expires_at:
        return PortalError(_("This code has expired: ask for a new one."), code="code_expired", field="code")
    if not constant_time_compare(_digest(proof, typed), proof.code_digest):
        left = WRONG_CODES_ALLOWED - proof.wrong_attempts - 1
        message = ngettext(
            "That code is not right. You have %(left)d more try.",
            "That code is not right. You have %(left)d more tries.",
            left,
        ) % {"left": left}
        if left == 0:
            message = _("That code is not right, and it was the fifth: ask for a new code.")
        return PortalError(message, code="code_wrong", field="code")
    return None


def msisdn_proved(*, applicant_id: int, msisdn: str) -> bool:
    return not unproved_numbers(applicant_id=applicant_id, msisdns=[msisdn])


def unproved_numbers(*, applicant_id: int, msisdns: list[str]) -> list[str]:
    """Which of `msisdns` the applicant has not yet proved they hold, in the order given."""
    proved = set(
        MsisdnProof.objects.filter(
            applicant_id=applicant_id, msisdn__in=msisdns, verified_at__isnull=False
        ).values_list("msisdn", flat=True)
    )
    return [msisdn for msisdn in msisdns if msisdn not in proved]


def _digest(proof: MsisdnProof, code: str) -> str:
    return salted_hmac("vpn_records.msisdn_code", f"{proof.pk}:{proof.msisdn}:{proof.sent_at}:{code}").hexdigest()


def _applicant_id(user: User) -> int:
    if user.applicant_id is None:
        raise PortalError(_("Only applicant accounts can register mobile numbers."), code="not_applicant")
    return user.applicant_id


def _number(msisdn: str) -> str:
    try:
        return normalise_msisdn(msisdn)
    except ValidationError as error:
        raise PortalError(error.messages[0], code=error.code or "msisdn_invalid", field="msisdn") from None


def _count(*, number: str, user: User, client_address: str) -> None:
    """Per number, per account and per client address; the keys name no number (personal data)."""
    hashed = hashlib.sha256(number.encode()).hexdigest()[:32]
    verdicts = [
        throttle_count("msisdn_code:number", hashed, rate=settings.MSISDN_CODE_RATE_PER_NUMBER),
        throttle_count("msisdn_code:account", str(user.pk), rate=settings.MSISDN_CODE_RATE_PER_ACCOUNT),
        throttle_count("msisdn_code:address", client_address, rate=settings.MSISDN_CODE_RATE_PER_ADDRESS),
    ]
    waits = [verdict.retry_after for verdict in verdicts if verdict is not None and not verdict.allowed]
    if waits:
        raise TooManyAttempts(max(waits))
