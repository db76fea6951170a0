"""Mobile numbers in registrations: entered in any form, proved by code before submission, verified (operator,
holder, denylist, SIM ownership), decided like networks, one holder per number however writers race."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from tests.factories import make_freelancer
from tests.vpn_records.test_one_holder import race
from vpn_records import services
from vpn_records.holders import is_holder_violation
from vpn_records.models import DeniedNumber, IpEntry, MsisdnProof, Registration, Status
from vpn_records.msisdn import MobileNumber
from vpn_records.tasks import verify_registration

REGISTRATIONS = "/api/v1/registrations/"
BATCH = {"purpose": "freelancing", "purpose_detail": "Upwork clients in Germany.", "isp": "jazz", "vpn_type": "openvpn"}
NUMBER = "+923001234567"


def body(*entries: dict) -> dict:
    return {**BATCH, "entries": list(entries)}


def prove(user, msisdn: str = NUMBER, operator: str = "jazz") -> None:
    MsisdnProof.objects.update_or_create(
        applicant_id=user.applicant_id, msisdn=msisdn, defaults={"operator": operator, "verified_at": timezone.now()}
    )


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """Register numbers for `user` (and submit them, verification running as the worker would); the registration."""

    def registered(user, *numbers: MobileNumber, networks=(), submit=True) -> Registration:
        fields = {**BATCH, "user": user, "networks": list(networks), "numbers": list(numbers)}
        with django_capture_on_commit_callbacks(execute=True):
            made = (services.registration_create_and_submit if submit else services.registration_create)(**fields)
        made.refresh_from_db()
        return made

    return registered


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    def submitted(registration: Registration, user) -> Registration:
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_submit(registration=registration, user=user)
        registration.refresh_from_db()
        return registration

    return submitted


def number_holders() -> list[tuple[str, int]]:
    """Numbers held in active entries by more than one applicant: the invariant says none."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.msisdn, count(DISTINCT r.applicant_id) FROM vpn_records_ipentry e"
            " JOIN vpn_records_registration r ON r.id = e.registration_id"
            " WHERE e.msisdn IS NOT NULL AND e.status IN ('submitted', 'verifying', 'under_review', 'approved')"
            " GROUP BY e.msisdn HAVING count(DISTINCT r.applicant_id) > 1"
        )
        return cursor.fetchall()


@pytest.mark.django_db
class TestTheApi:
    def test_an_unproved_number_waits_as_a_draft_and_submitting_names_it_masked(self, freelancer_api, freelancer):
        created = freelancer_api.post(
            REGISTRATIONS, body({"msisdn": "0300-1234567", "operator": "jazz"}), format="json"
        )
        assert created.status_code == 201, created.json()
        assert created.json()["status"] == "draft"
        [entry] = created.json()["entries"]
        assert entry["msisdn"] == NUMBER and entry["operator"] == "jazz" and entry["network"] is None
        submitted = freelancer_api.post(f"{REGISTRATIONS}{created.json()['reference']}/submit/", format="json")
        assert submitted.status_code == 400
        error = submitted.json()["errors"][0]
        assert error["code"] == "msisdn_not_proved" and "+92300*****67" in error["message"]
        assert NUMBER not in error["message"]

    def test_a_proved_number_is_submitted_verified_and_reads_beside_networks(
        self, freelancer_api, freelancer, django_capture_on_commit_callbacks
    ):
        prove(freelancer, "+923451234567", "jazz")  # a Telenor prefix: ported to Jazz
        with django_capture_on_commit_callbacks(execute=True):
            created = freelancer_api.post(
                REGISTRATIONS,
                body({"network": "111.68.96.10"}, {"msisdn": "0345 1234567", "operator": "jazz"}),
                format="json",
            )
        assert created.status_code == 201, created.json()
        reference = created.json()["reference"]
        entries = freelancer_api.get(f"{REGISTRATIONS}{reference}/entries/").json()["results"]
        number = next(e for e in entries if e["msisdn"])
        assert number["status"] == "under_review"
        codes = {reason["code"]: reason["severity"] for reason in number["reasons"]}
        assert codes == {"operator_mismatch": "warn", "sim_pending": "warn"}  # portability: warned, not failed
        assert "Telenor" in next(r["message"] for r in number["reasons"] if r["code"] == "operator_mismatch")
        assert next(e for e in entries if e["network"])["network"] == "111.68.96.10"

    @pytest.mark.parametrize(
        ("entry", "field"),
        [({"msisdn": "051 1234567", "operator": "jazz"}, "entries[0].msisdn"),
         ({"msisdn": "+44 7700 900123", "operator": "jazz"}, "entries[0].msisdn"),
         ({"msisdn": "03001234567"}, "entries[0].operator"),
         ({"msisdn": "03001234567", "operator": "warid"}, "entries[0].operator"),
         ({"network": "111.68.96.10", "operator": "jazz"}, "entries[0].operator"),
         ({"network": "111.68.96.10", "msisdn": "03001234567", "operator": "jazz"}, "entries[0]"),
         ({}, "entries[0]")],
    )  # fmt: skip
    def test_bad_number_entries_are_refused_naming_the_field(self, freelancer_api, entry, field):
        answer = freelancer_api.post(REGISTRATIONS, body(entry), format="json")
        assert answer.status_code == 400
        fields = [error["field"] for error in answer.json()["errors"]]
        assert any(f == field or f.startswith(field) for f in fields), answer.json()
        assert not Registration.objects.exists()

    def test_the_same_number_twice_in_any_form_is_refused(self, freelancer_api):
        answer = freelancer_api.post(
            REGISTRATIONS,
            body({"msisdn": "0300-1234567", "operator": "jazz"}, {"msisdn": "+92 300 1234567", "operator": "jazz"}),
            format="json",
        )
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == "entries[1].msisdn"
        assert "entries[0]" in answer.json()["errors"][0]["message"]


@pytest.mark.django_db
class TestVerificationAndDecisions:
    def test_a_denied_number_fails_and_staff_alone_see_why(self, freelancer, reviewer, register):
        DeniedNumber.objects.create(msisdn=NUMBER, reason="Reported for fraud", created_by=reviewer)
        prove(freelancer)
        registration = register(freelancer, MobileNumber(NUMBER, "jazz"))
        entry = registration.entries.get()
        assert registration.status == Status.CHANGES_REQUESTED and entry.status == Status.CHANGES_REQUESTED
        denied = next(r for r in entry.reasons if r["code"] == "number_denied")
        assert "fraud" not in json.dumps(denied["params"]) and "fraud" in denied["staff_params"]["reasons"]

    def test_numbers_are_approved_expired_and_revoked_like_networks(self, freelancer, reviewer, supervisor, register):
        prove(freelancer)
        registration = register(freelancer, MobileNumber(NUMBER, "jazz"))
        services.registration_decide(registration=registration, actor=reviewer, approve=True)
        entry = registration.entries.get()
        assert entry.status == Status.APPROVED and entry.valid_until is not None
        assert entry.status_changes.latest("id").subject == "+92300*****67"  # the audit trail, masked
        services.entry_revoke(entry=entry, actor=supervisor, reason="The SIM was reissued to someone else.")
        registration.refresh_from_db()
        assert registration.status == Status.REVOKED

    def test_an_edit_keeps_a_number_and_changes_its_operator(self, freelancer, register):
        registration = register(freelancer, MobileNumber(NUMBER, "zong"), submit=False)
        kept = registration.entries.get()
        services.registration_update(
            registration=registration, user=freelancer, **BATCH, networks=[], numbers=[MobileNumber(NUMBER, "jazz")]
        )
        assert registration.entries.get().pk == kept.pk and registration.entries.get().operator == "jazz"


@pytest.mark.django_db
class TestSimOwnership:
    def submitted(self, user, register, submit) -> Registration:
        prove(user)
        return submit(register(user, MobileNumber(NUMBER, "jazz"), submit=False), user)

    def test_a_sim_registered_to_someone_else_fails(self, freelancer, sim_operator, register, submit):
        sim_operator.replies = [(200, {"active": True, "registered_to_cnic": False})]
        registration = self.submitted(freelancer, register, submit)
        entry = registration.entries.get()
        assert entry.status == Status.CHANGES_REQUESTED
        assert "sim_not_owner" in [r["code"] for r in entry.reasons]

    def test_past_its_retries_verification_goes_on_without_the_operator_for_staff_to_confirm(
        self, freelancer, sim_operator, register, submit, settings
    ):
        settings.SIM_OWNERSHIP_RETRIES = 0  # this attempt is the last (tests/integration retries through a worker)
        sim_operator.replies = [(503, {})]
        registration = self.submitted(freelancer, register, submit)
        assert len(sim_operator.asked) == 1
        assert registration.status == Status.UNDER_REVIEW
        assert "sim_unavailable" in [r["code"] for r in registration.entries.get().reasons]

    def test_the_task_run_again_after_a_lost_retry_does_the_work_once(self, freelancer, sim_operator, register, submit):
        sim_operator.replies = [(200, {"active": True, "registered_to_cnic": True})]
        registration = self.submitted(freelancer, register, submit)
        verify_registration.apply(args=[registration.pk])
        assert registration.status_changes.filter(to_status=Status.UNDER_REVIEW, entry__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
class TestOneHolderPerNumber:
    def test_a_second_applicant_fails_without_being_told_who_holds_it(self, freelancer, other_applicant, register):
        for user in (freelancer, other_applicant):
            prove(user)
        first = register(freelancer, MobileNumber(NUMBER, "jazz"))
        second = register(other_applicant, MobileNumber(NUMBER, "jazz"))
        held = second.entries.get()
        assert held.status == Status.CHANGES_REQUESTED
        assert [r["code"] for r in held.reasons] == ["number_conflict"]
        assert first.reference not in json.dumps(held.reasons[0]["params"])
        assert number_holders() == []

    def test_two_applicants_submitting_the_same_number_at_once_leave_it_one_holder(self, db, register):
        users = [make_freelancer(email=f"race{n}@example.pk", cnic=f"35202123456{n:02d}") for n in range(4)]
        for attempt in range(3):
            msisdn = f"+92300765432{attempt}"
            drafts = []
            for user in users:
                prove(user, msisdn)
                drafts.append(register(user, MobileNumber(msisdn, "jazz"), submit=False))
            answers = race(
                *(
                    lambda user=user, draft=draft: services.registration_submit(registration=draft, user=user)
                    for user, draft in zip(users, drafts, strict=True)
                )
            )
            assert not [a for a in answers if isinstance(a, Exception)], answers
            active = IpEntry.objects.filter(msisdn=msisdn, status__in=["submitted", "verifying", "under_review"])
            assert active.count() == 1
            assert number_holders() == []

    def test_the_database_refuses_a_second_holder_from_any_writer(self, freelancer, other_applicant, register):
        prove(freelancer)
        register(freelancer, MobileNumber(NUMBER, "jazz"))
        draft = register(other_applicant, MobileNumber(NUMBER, "jazz"), submit=False)
        with pytest.raises(IntegrityError) as update:
            IpEntry.objects.filter(registration=draft).update(status=Status.SUBMITTED)
        assert is_holder_violation(update.value)
        assert number_holders() == []


def test_a_proved_number_registers_and_submits_in_one_call(
    db, freelancer_api, freelancer, django_capture_on_commit_callbacks
):
    prove(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        created = freelancer_api.post(REGISTRATIONS, body({"msisdn": "03001234567", "operator": "jazz"}), format="json")
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    registration = Registration.objects.get(reference=created.json()["reference"])
    assert registration.status == Status.UNDER_REVIEW
