"""The check's in-memory copy of the whitelist gives the database's answers, and follows its changes."""

import ipaddress
import random
import runpy
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from tests.factories import make_registration
from vpn_records.models import IpEntry, Registration, Status
from vpn_records.workflow import transition_entries
from whitelist import index as whitelist_index_module
from whitelist import queries as whitelist
from whitelist.index import whitelist_index

pytestmark = pytest.mark.django_db

REGIONS = [ipaddress.ip_network("45.10.0.0/16"), ipaddress.ip_network("2400:cb00::/32")]
# Another applicant's entries are elsewhere: one network has one holder (vpn_records.holders).
OTHER_REGIONS = [ipaddress.ip_network("46.10.0.0/16"), ipaddress.ip_network("2400:cc00::/32")]
TO_APPROVED = [Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW, Status.APPROVED]


@pytest.fixture
def registrations(freelancer, other_applicant):
    made = [
        make_registration(user=user, networks=[network])
        for user, network in [(freelancer, "111.68.96.1"), (other_applicant, "111.68.96.2"), (freelancer, "39.40.1.1")]
    ]
    # A reference from before the VPN-year-number form is kept whole.
    Registration.objects.filter(pk=made[2].pk).update(reference="LEGACY/0042")
    return made


def _random_network(rng: random.Random, regions=REGIONS + OTHER_REGIONS):
    region = rng.choice(regions)
    prefixlen = rng.randint(region.prefixlen, region.max_prefixlen)
    address = int(region.network_address) + rng.getrandbits(region.max_prefixlen - region.prefixlen)
    return ipaddress.ip_network((address, prefixlen), strict=False)


def _seed(rng: random.Random, registrations, count: int, status: str | None = None) -> list[IpEntry]:
    """Nested, duplicated (across one applicant's registrations) and separate networks; most approved, some lapsed
    or revoked."""
    today = timezone.localdate()
    taken, entries = set(IpEntry.objects.values_list("registration_id", "network")), []
    first_applicant = registrations[0].applicant_id
    while len(entries) < count:
        registration = rng.choice(registrations)
        network = _random_network(rng, REGIONS if registration.applicant_id == first_applicant else OTHER_REGIONS)
        if (registration.pk, network) in taken:
            continue
        taken.add((registration.pk, network))
        valid_until = today + timedelta(days=rng.choice([-1, 0, 1, 365]))
        entries.append(
            IpEntry(
                registration=registration,
                network=network,
                status=status or rng.choices([Status.APPROVED, Status.REVOKED, Status.UNDER_REVIEW], [8, 1, 1])[0],
                valid_until=valid_until,
            )
        )
    return IpEntry.objects.bulk_create(entries)


def _probes(rng: random.Random, entries: list[IpEntry]) -> list:
    """Each network's first and last address, the addresses either side, one inside; and addresses anywhere."""
    probes = []
    for entry in entries:
        first, last = int(entry.network.network_address), int(entry.network.broadcast_address)
        inside = first + rng.randrange(last - first + 1)
        for number in {first - 1, first, inside, last, last + 1}:
            if 0 <= number < 2**entry.network.max_prefixlen:
                probes.append(ipaddress.ip_address(number) if number >= 2**32 else ipaddress.IPv4Address(number))
    return probes + [_random_network(rng).network_address for _ in range(200)]


def _approved(registration, network: str) -> IpEntry:
    return IpEntry.objects.create(
        registration=registration,
        network=ipaddress.ip_network(network),
        status=Status.APPROVED,
        valid_until=timezone.localdate(),
    )


def _assert_same_answers(probes) -> None:
    for probe in probes:
        assert whitelist.whitelist_check(probe) == whitelist.whitelist_check_in_database(probe), probe


def _approve(entries) -> None:
    valid_until = timezone.localdate() + timedelta(days=30)
    for status in TO_APPROVED:
        fields = {"valid_until": valid_until} if status == Status.APPROVED else {}
        transition_entries(entries=entries, to=status, **fields)


def test_the_copy_answers_as_the_database_does_and_follows_its_changes(registrations, settings):
    rng = random.Random(7)
    entries = _seed(rng, registrations, 400)
    probes = _probes(rng, entries)
    _assert_same_answers(probes)  # loaded whole

    approved = [entry for entry in entries if entry.status == Status.APPROVED]
    transition_entries(entries=rng.sample(approved, 60), to=Status.REVOKED)
    waiting = [entry for entry in entries if entry.status == Status.UNDER_REVIEW]
    transition_entries(entries=waiting, to=Status.APPROVED, valid_until=timezone.localdate() + timedelta(days=9))
    added = _seed(rng, registrations, 40, status=Status.DRAFT)
    _approve(added)
    loaded = whitelist_index(timezone.localdate())
    _assert_same_answers(probes + _probes(rng, added))  # the changes read into the overlay
    assert whitelist_index(timezone.localdate()).families is loaded.families

    settings.WHITELIST_INDEX_OVERLAY_MAX = 10
    transition_entries(entries=rng.sample([e for e in approved if e.status == Status.APPROVED], 20), to=Status.EXPIRED)
    _assert_same_answers(probes)  # too many changes: loaded whole again
    assert whitelist_index(timezone.localdate()).families is not loaded.families


def test_an_approval_lapses_in_the_copy_at_midnight(registrations):
    entry = _approved(registrations[0], "45.10.1.0/24")
    address = ipaddress.ip_address("45.10.1.9")
    today = timezone.localdate()
    assert whitelist_index(today).find(address, today).entry_id == entry.pk
    assert whitelist_index(today).find(address, today + timedelta(days=1)) is None


def test_a_current_copy_answers_without_reading_the_entries(registrations, settings, django_assert_num_queries):
    _approved(registrations[0], "45.10.1.0/24")
    address = ipaddress.ip_address("45.10.1.9")
    assert whitelist.whitelist_check(address).reference == registrations[0].reference
    with django_assert_num_queries(1):  # the version only: unchanged
        assert whitelist.whitelist_check(address).reference == registrations[0].reference
    settings.WHITELIST_INDEX_REFRESH_SECONDS = 60
    with django_assert_num_queries(0):
        assert whitelist.whitelist_check(address).reference == registrations[0].reference


def test_after_a_change_only_the_changed_entries_are_read(registrations, django_assert_num_queries):
    _seed(random.Random(3), registrations, 50)
    entry = IpEntry.objects.create(
        registration=registrations[1],
        network=ipaddress.ip_network("45.11.0.7/32"),
        status=Status.UNDER_REVIEW,
    )
    address = ipaddress.ip_address("45.11.0.7")
    assert whitelist.whitelist_check(address) is None
    transition_entries(entries=[entry], to=Status.APPROVED, valid_until=timezone.localdate())
    with django_assert_num_queries(3) as captured:  # the version, the entries changed since, the new reference
        assert whitelist.whitelist_check(address).reference == registrations[1].reference
    assert "whitelist_version" in captured.captured_queries[1]["sql"]


def test_the_changed_entries_are_found_through_an_index(registrations):
    with connection.cursor() as cursor:  # enough entries for the planner to weigh indexes as on a real table
        cursor.execute(
            """INSERT INTO vpn_records_ipentry
                 (registration_id, network, status, reasons, valid_until, created_at, updated_at, whitelist_version)
               SELECT %s, set_masklen('11.0.0.0'::inet + g * 7, 32)::cidr, 'approved', '[]', current_date, now(),
                      now(), CASE WHEN g %% 1000 = 0 THEN g END
               FROM generate_series(1, 20000) g""",
            [registrations[0].pk],
        )
        cursor.execute("ANALYZE vpn_records_ipentry")
        sql, params = IpEntry.objects.filter(whitelist_version__gt=19000).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "entry_whitelist_version" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_a_process_without_a_copy_answers_from_the_database_while_it_loads(freelancer, settings):
    settings.WHITELIST_INDEX_LOAD_IN_BACKGROUND = True
    registration = make_registration(user=freelancer, networks=["111.68.96.10"])
    registration.entries.update(status=Status.APPROVED, valid_until=timezone.localdate())
    address, today = ipaddress.ip_address("111.68.96.10"), timezone.localdate()

    assert whitelist_index(today) is None  # loading started, in a thread
    assert whitelist.whitelist_check(address).reference == registration.reference
    whitelist_index_module._loading.join(timeout=30)
    assert whitelist_index(today).find(address, today).registration_id == registration.pk


def test_a_gunicorn_worker_loads_its_copy_before_taking_requests(registrations, settings):
    post_worker_init = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))["post_worker_init"]
    settings.WHITELIST_CHECK_FROM_MEMORY = False
    post_worker_init(None)
    assert whitelist_index_module._index is None  # checks query the database: no copy to keep
    settings.WHITELIST_CHECK_FROM_MEMORY = True
    post_worker_init(None)
    assert len(whitelist_index_module._index.families[4]) == IpEntry.objects.filter(status=Status.APPROVED).count()


def test_the_copy_goes_on_answering_while_the_database_is_away(registrations, monkeypatch):
    entry = _approved(registrations[0], "45.10.1.0/24")
    address = ipaddress.ip_address("45.10.1.9")
    assert whitelist.whitelist_check(address).reference == registrations[0].reference

    def database_away():
        raise OperationalError("connection refused")

    monkeypatch.setattr(whitelist_index_module, "whitelist_version", database_away)
    assert whitelist.whitelist_check(address).network == entry.network


# Each statement its own transaction, as writes from other processes are: the trigger counts a version a transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    [
        {"valid_until": timezone.localdate() - timedelta(days=1)},
        {"status": Status.REVOKED},
        {"network": ipaddress.ip_network("45.10.2.0/24")},
    ],
    ids=["expiry", "status", "network"],
)
def test_a_write_around_the_workflow_still_moves_the_whitelist_version(registrations, change):
    entry = _approved(registrations[0], "45.10.1.0/24")
    address = ipaddress.ip_address("45.10.1.9")
    assert whitelist.whitelist_check(address).reference == registrations[0].reference  # the copy holds it
    before = whitelist.whitelist_version()
    IpEntry.objects.filter(pk=entry.pk).update(**change)  # as a data fix in a shell would: no workflow, no stamp
    assert whitelist.whitelist_version() == before + 1
    assert IpEntry.objects.get(pk=entry.pk).whitelist_version == before + 1
    assert whitelist.whitelist_check(address) is None  # the copy read the change
    assert whitelist.whitelist_check_in_database(address) is None


def test_one_transaction_moves_the_version_once_however_many_entries_it_writes(registrations):
    before = whitelist.whitelist_version()
    with transaction.atomic():
        entries = [_approved(registrations[0], f"45.10.{n}.0/24") for n in range(5)]
        IpEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(valid_until=timezone.localdate())
    assert whitelist.whitelist_version() == before + 1
    assert set(IpEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("whitelist_version", flat=True)) == {
        before + 1
    }


@pytest.mark.django_db(transaction=True)
def test_a_write_that_publishes_nothing_new_leaves_the_version(registrations):
    entry = _approved(registrations[0], "45.10.1.0/24")
    waiting = IpEntry.objects.filter(status=Status.DRAFT)
    before = whitelist.whitelist_version()
    IpEntry.objects.filter(pk=entry.pk).update(notes="Office in Gulberg")
    waiting.update(valid_until=timezone.localdate())
    assert whitelist.whitelist_version() == before
