"""Whether a mobile number's SIM is registered to the applicant's CNIC, asked of its operator. Pluggable
(SIM_OWNERSHIP_BACKEND): by hand, where staff confirm it in review, or over HTTP with the JSON contract below.

HTTP contract (`HttpBackend`): `POST SIM_OWNERSHIP_URL` with `Authorization: Bearer SIM_OWNERSHIP_TOKEN` and
`{"msisdn": "+923001234567", "cnic": "3520212345673", "operator": "jazz"}`; the operator answers 200 with
`{"active": true, "registered_to_cnic": true}`, or 404 for a number not on its network. Any other status, no answer
within SIM_OWNERSHIP_TIMEOUT seconds, or a body not of that shape is `SimOwnershipUnavailable`: the caller asks again
later, and nothing is decided on it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils.module_loading import import_string


class Ownership(StrEnum):
    CONFIRMED = "confirmed"  # the operator has this SIM registered to this CNIC
    NOT_OWNER = "not_owner"  # registered to someone else
    UNKNOWN = "unknown"  # not an active number on that operator's network
    PENDING = "pending"  # staff confirm it in review


@dataclass(frozen=True)
class OwnershipAnswer:
    ownership: Ownership
    source: str  # which backend said so, for the finding staff read


class SimOwnershipUnavailable(Exception):
    """No answer to rely on now (a timeout, an error, a malformed answer); ask again later."""


class SimOwnershipBackend(ABC):
    @abstractmethod
    def check(self, *, msisdn: str, cnic: str, operator: str) -> OwnershipAnswer:
        """Ask whether the SIM of `msisdn` is registered to `cnic`; SimOwnershipUnavailable when no answer can be
        relied on now."""


class ManualBackend(SimOwnershipBackend):
    """No operator to ask: the reviewer confirms ownership with the operator and records it in their decision."""

    def check(self, *, msisdn: str, cnic: str, operator: str) -> OwnershipAnswer:
        return OwnershipAnswer(Ownership.PENDING, "manual")


class HttpBackend(SimOwnershipBackend):
    def check(self, *, msisdn: str, cnic: str, operator: str) -> OwnershipAnswer:
        body = json.dumps({"msisdn": msisdn, "cnic": cnic, "operator": operator}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
            settings.SIM_OWNERSHIP_URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SIM_OWNERSHIP_TOKEN}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SIM_OWNERSHIP_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read(64 * 1024))
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return OwnershipAnswer(Ownership.UNKNOWN, "operator")
            raise SimOwnershipUnavailable(f"operator answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise SimOwnershipUnavailable(f"no usable answer: {type(error).__name__}") from error
        if not isinstance(answer, dict) or not all(isinstance(answer.get(k), bool) for k in _FIELDS):
            raise SimOwnershipUnavailable("the answer is not of the documented shape")
        if not answer["active"]:
            return OwnershipAnswer(Ownership.UNKNOWN, "operator")
        return OwnershipAnswer(Ownership.CONFIRMED if answer["registered_to_cnic"] else Ownership.NOT_OWNER, "operator")


_FIELDS = ("active", "registered_to_cnic")


def get_sim_ownership_backend() -> SimOwnershipBackend:
    return import_string(settings.SIM_OWNERSHIP_BACKEND)()
