import importlib

import pytest
from django.apps import apps

from applicants.models import Applicant
from tests.factories import arabic_digits, urdu_digits

pytestmark = pytest.mark.django_db
migration = importlib.import_module("applicants.migrations.0004_ascii_identity_digits")


def test_cnics_and_ntns_stored_with_urdu_or_arabic_digits_are_rewritten_in_ascii(freelancer, company_user):
    # What the old \d patterns let through: the first digit in ASCII, the rest as typed.
    Applicant.objects.filter(pk=freelancer.applicant_id).update(cnic="3" + urdu_digits("520212345673"))
    Applicant.objects.filter(pk=company_user.applicant_id).update(
        ntn=arabic_digits("1234567-8"), authorised_person_cnic="6110112345671"
    )
    migration.identity_digits_to_ascii(apps, None)
    stored = Applicant.objects.order_by("kind").values_list("kind", "cnic", "ntn", "authorised_person_cnic")
    assert list(stored) == [("company", "", "1234567-8", "6110112345671"), ("freelancer", "3520212345673", "", "")]
