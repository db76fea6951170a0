import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from applicants.models import Applicant
from tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_viewer(reviewer):
    reviewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_registration", "view_ipentry", "view_applicant"])
    )
    return reviewer


def test_staff_see_whose_network_conflicts_and_applicant_cnic_masked(
    client, staff_viewer, freelancer, other_applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = make_registration(user=other_applicant, networks=["111.68.96.0/24"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        mine = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    client.force_login(staff_viewer)
    page = client.get(reverse("admin:vpn_records_registration_change", args=[mine.pk])).content.decode()
    assert f'Overlaps <bdi dir="ltr">{theirs.reference} (111.68.96.0/24)</bdi>' in page
    listing = client.get(reverse("admin:applicants_applicant_changelist")).content.decode()
    assert "35202-*******-3" in listing and "3520212345673" not in listing


def test_applicant_sees_identity_problems_on_the_registration(client, freelancer, django_capture_on_commit_callbacks):
    Applicant.objects.filter(pk=freelancer.applicant_id).update(mobile="+924235761234")  # a Lahore landline
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    registration.refresh_from_db()
    assert registration.status == "changes_requested"
    client.force_login(freelancer)
    assert "This looks like a landline" in client.get(registration.get_absolute_url()).content.decode()
