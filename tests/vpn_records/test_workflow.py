import pytest

from core.errors import ConflictError
from tests.factories import make_registration
from vpn_records.models import Registration, Status, StatusChange
from vpn_records.workflow import TRANSITIONS, can_transition, transition_registration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, targets in TRANSITIONS.items() for t in sorted(targets)],
)
def test_every_allowed_transition_is_applied_and_recorded(freelancer, current, target):
    registration = make_registration(user=freelancer)
    Registration.objects.filter(pk=registration.pk).update(status=current)
    registration.refresh_from_db()
    transition_registration(registration=registration, to=target, actor=freelancer, reason="because")
    registration.refresh_from_db()
    assert registration.status == target
    change = StatusChange.objects.get(registration=registration, entry=None)
    assert (change.from_status, change.to_status, change.actor, change.reason) == (
        current,
        target,
        freelancer,
        "because",
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c in Status.values for t in Status.values if not can_transition(c, t)],
)
def test_every_other_transition_is_refused_with_a_clear_error(freelancer, current, target):
    registration = make_registration(user=freelancer)
    Registration.objects.filter(pk=registration.pk).update(status=current)
    registration.refresh_from_db()
    with pytest.raises(ConflictError) as error:
        transition_registration(registration=registration, to=target)
    assert registration.reference in error.value.message
    assert str(Status(current).label) in error.value.message
    registration.refresh_from_db()
    assert registration.status == current
    assert not StatusChange.objects.filter(registration=registration).exists()


def test_transition_from_a_stale_copy_is_refused(freelancer):
    registration = make_registration(user=freelancer)
    stale = Registration.objects.get(pk=registration.pk)
    transition_registration(registration=registration, to=Status.WITHDRAWN)
    with pytest.raises(ConflictError) as error:
        transition_registration(registration=stale, to=Status.SUBMITTED)
    assert error.value.code == "stale"


def test_terminal_statuses_allow_nothing():
    for status in (Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED, Status.REVOKED):
        assert not TRANSITIONS[status]
