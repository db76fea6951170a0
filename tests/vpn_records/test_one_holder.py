"""One network, one holder: however entries are written and however many writers race, at most one applicant holds
an active entry (submitted through approved) overlapping any network."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, connections

from applicants.models import Applicant
from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload
from core.errors import ConflictError
from tests.bulk_uploads.bulk_files import csv_file
from tests.factories import make_freelancer, make_registration, make_user
from vpn_records import services
from vpn_records.holders import is_holder_violation
from vpn_records.models import DeniedNetwork, IpEntry, Registration, Status

pytestmark = pytest.mark.django_db(transaction=True)
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}
ACTIVE = (Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW, Status.APPROVED)
REPEATS = 5


def second_holders() -> list[tuple[str, str]]:
    """Every pair of overlapping active entries of two different applicants: the invariant says none."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.network::text, b.network::text
              FROM vpn_records_ipentry a JOIN vpn_records_registration ra ON ra.id = a.registration_id
              JOIN vpn_records_ipentry b ON a.network && b.network AND a.id < b.id
              JOIN vpn_records_registration rb ON rb.id = b.registration_id
             WHERE ra.applicant_id <> rb.applicant_id AND a.status = ANY(%s) AND b.status = ANY(%s)
            """,
            [list(ACTIVE), list(ACTIVE)],
        )
        return cursor.fetchall()


def race(*writers: Callable[[], object]) -> list[object]:
    """Run the writers in threads released together; each answer is its result or the exception it raised."""
    barrier = threading.Barrier(len(writers))
    answers: list[object] = [None] * len(writers)

    def run(index: int, writer: Callable[[], object]) -> None:
        try:
            barrier.wait()
            answers[index] = writer()
        except Exception as error:
            answers[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, writer)) for i, writer in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def company(email: str, cnic: str):
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.COMPANY, legal_name=f"{email} (Private) Limited", ntn="1234567-8", secp_number="0123456",
        address="Islamabad", authorised_person_name="Bilal Ahmed", authorised_person_cnic=cnic,
        mobile="+923211234567", city="Islamabad",
    )  # fmt: skip
    return make_user(email=email, applicant=applicant, full_name="Bilal Ahmed")


def addresses(block: int, count: int) -> list[str]:
    first = int(ipaddress.ip_address("111.68.0.0")) + block * 4096
    return [str(ipaddress.ip_address(first + n)) for n in range(count)]


def queued_upload(user, networks: list[str]) -> BulkUpload:
    rows = [[network, "", "", ""] for network in networks]
    return bulk.bulk_upload_create(user=user, file=csv_file(rows), dispatch=False, **BATCH)


@pytest.fixture
def two_companies(db):
    return company("one@example.pk", "6110112345671"), company("two@example.pk", "6110112345682")


def test_two_uploads_of_the_same_networks_released_together_leave_each_network_one_holder(settings, two_companies):
    settings.BULK_UPLOAD_CHUNK_ROWS = 250  # four chunks each, interleaved
    first, second = two_companies
    for attempt in range(REPEATS):
        networks = addresses(attempt, 1000)
        jobs = [queued_upload(first, networks), queued_upload(second, networks)]
        answers = race(*(lambda job=job: bulk.bulk_upload_process(upload_id=job.pk) for job in jobs))
        assert not [a for a in answers if isinstance(a, Exception)], answers
        done = BulkUpload.objects.filter(pk__in=[job.pk for job in jobs])
        assert sum(job.accepted_rows for job in done) == 1000  # each network accepted once, by one of them
        assert {job.state for job in done} == {"completed"}
        assert second_holders() == []


def test_an_upload_racing_typed_registrations_of_the_same_networks_leaves_each_one_holder(settings, company_user):
    settings.BULK_UPLOAD_CHUNK_ROWS = 100
    freelancers = [make_freelancer(email=f"f{n}@example.pk", cnic=f"35202123456{n:02d}") for n in range(4)]
    for attempt in range(REPEATS):
        networks = addresses(attempt, 400)
        job = queued_upload(company_user, networks)

        def typed(user, picked: list[str]) -> None:
            for network in picked:
                make_registration(user=user, networks=[network], submit=True)

        typists = [
            lambda u=u, picked=networks[i * 50 + 25 : i * 50 + 35]: typed(u, picked) for i, u in enumerate(freelancers)
        ]
        answers = race(lambda job=job: bulk.bulk_upload_process(upload_id=job.pk), *typists)
        assert not [a for a in answers if isinstance(a, Exception)], answers
        assert second_holders() == []
        job.refresh_from_db()
        typed_active = IpEntry.objects.filter(status__in=ACTIVE, registration__applicant__kind="freelancer").count()
        assert job.accepted_rows + typed_active == 400  # each network held once: by the upload or by a typist
        IpEntry.objects.filter(registration__applicant__kind="freelancer", network__in=networks).delete()


def failed_entry(user, network: str, *, block: int) -> IpEntry:
    """An entry that failed verification (denied), in a registration under review thanks to a second entry."""
    DeniedNetwork.objects.get_or_create(network=network, defaults={"reason": "Test"})
    registration = make_registration(user=user, networks=[network, addresses(block, 1)[0]], submit=True)
    DeniedNetwork.objects.filter(network=network).delete()
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    return registration.entries.get(network=network, status=Status.CHANGES_REQUESTED)


def test_two_supervisors_overriding_overlapping_entries_at_once_approve_one(freelancer, other_applicant, supervisor):
    from tests.factories import make_staff

    second_supervisor = make_staff(email="supervisor2@pta.example", role="supervisor")
    for attempt in range(REPEATS):
        network = f"39.40.{attempt}.0/24"
        mine = failed_entry(freelancer, network, block=100 + attempt)
        theirs = failed_entry(other_applicant, f"39.40.{attempt}.7", block=200 + attempt)
        answers = race(
            *(
                lambda entry=entry, actor=actor: services.entries_decide(
                    entries=[entry], actor=actor, approve=True, reason="Checked"
                )
                for entry, actor in ((mine, supervisor), (theirs, second_supervisor))
            )
        )
        refused = [a for a in answers if isinstance(a, ConflictError)]
        assert len(refused) == 1, answers
        assert refused[0].code == "held_by_another"
        winner = Registration.objects.get(
            entries__status=Status.APPROVED, entries__network__in=[network, f"39.40.{attempt}.7"]
        )
        assert winner.reference in refused[0].message  # staff are told which registration holds it
        assert second_holders() == []


def test_the_database_refuses_a_second_holder_from_any_writer(freelancer, other_applicant):
    make_registration(user=freelancer, networks=["111.68.96.0/24"], submit=True)
    draft = make_registration(user=other_applicant, networks=["111.68.96.10"])
    entry = draft.entries.get()
    with pytest.raises(IntegrityError) as update:
        IpEntry.objects.filter(pk=entry.pk).update(status=Status.SUBMITTED)
    assert is_holder_violation(update.value)
    with pytest.raises(IntegrityError) as insert:
        IpEntry.objects.create(registration=draft, network=ipaddress.ip_network("111.68.96.128/25"), status="approved")
    assert is_holder_violation(insert.value)
    assert second_holders() == []


def test_a_typed_network_another_applicant_holds_is_held_back_and_the_rest_submitted(freelancer, other_applicant):
    theirs = make_registration(user=other_applicant, networks=["111.68.96.0/24"], submit=True)
    mine = make_registration(user=freelancer, networks=["111.68.96.10", "39.40.1.1"], submit=True)
    mine.refresh_from_db()
    held = mine.entries.get(network="111.68.96.10/32")
    assert held.status == Status.CHANGES_REQUESTED
    assert [reason["code"] for reason in held.reasons] == ["conflict"]
    assert mine.entries.get(network="39.40.1.1/32").status == Status.UNDER_REVIEW
    assert mine.status == Status.UNDER_REVIEW
    assert theirs.reference not in str(held.reasons[0]["params"])  # never the other applicant's reference
    assert second_holders() == []


def test_rows_another_applicant_took_while_the_upload_ran_are_rejected_not_registered_twice(
    settings, company_user, freelancer
):
    settings.BULK_UPLOAD_CHUNK_ROWS = 2
    networks = addresses(7, 4)
    job = queued_upload(company_user, networks)

    def meanwhile(upload: BulkUpload) -> None:
        if upload.processed_rows == 4:  # every row checked and accepted; the registration not made yet
            make_registration(user=freelancer, networks=[networks[1]], submit=True)

    bulk.bulk_upload_process(upload_id=job.pk, progress=meanwhile)
    job.refresh_from_db()
    assert (job.state, job.accepted_rows, job.rejected_rows) == ("completed", 3, 1)
    rows = [row for row in bulk.error_report_rows(job)][1:]
    assert [(row[0], row[1]) for row in rows] == [("3", "ip")]
    assert "another applicant" in rows[0][3]
    assert job.registration.entries.count() == 3
    assert second_holders() == []


def test_index_only_planning_is_undone_after_the_lookup():
    from core.planner import index_scans_only

    with index_scans_only(), connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone() == ("off",)
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)
