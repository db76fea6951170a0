from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from evidence.models import Document
from evidence.services import document_add
from evidence.tasks import purge_expired_documents
from tests.evidence.conftest import png_bytes, upload
from tests.factories import make_registration
from vpn_records import services as registration_services

pytestmark = pytest.mark.django_db


def test_documents_of_a_withdrawn_registration_are_deleted_after_the_retention_period(
    freelancer, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_RETENTION_DAYS = 180
    start = timezone.now()
    withdrawn = make_registration(user=freelancer)
    kept = make_registration(user=freelancer, networks=["111.68.96.40"])
    old = document_add(registration=withdrawn, user=freelancer, kind="cnic_front", file=upload("a.png", png_bytes()))
    current = document_add(registration=kept, user=freelancer, kind="cnic_front", file=upload("b.png", png_bytes()))
    registration_services.registration_withdraw(registration=withdrawn, user=freelancer, reason="Not needed")
    old_file, current_file = Path(old.file.path), Path(current.file.path)

    with time_machine.travel(start + timedelta(days=179), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_documents() == 0
    assert old_file.exists()

    with time_machine.travel(start + timedelta(days=181), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_documents() == 1
        assert purge_expired_documents() == 0  # done once

    assert not old_file.exists()
    assert current_file.exists()
    old.refresh_from_db()
    # The row stays as the record of what was held.
    assert old.purged_at is not None and old.file.name == ""
    assert old.kind == "cnic_front" and old.file_name == "a.png" and old.size > 0
    assert Document.objects.get(pk=current.pk).purged_at is None


def test_the_task_is_scheduled_daily(settings):
    assert settings.CELERY_BEAT_SCHEDULE["purge-expired-documents"]["task"] == "evidence.tasks.purge_expired_documents"


def test_documents_an_address_change_stands_on_are_kept_while_it_stands(
    freelancer, reviewer, settings, django_capture_on_commit_callbacks
):
    import ipaddress

    settings.DOCUMENT_RETENTION_DAYS = 180
    start = timezone.now()
    approved = make_registration(user=freelancer, networks=["111.68.96.10"])
    proof = document_add(registration=approved, user=freelancer, kind="cnic_front", file=upload("a.png", png_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.registration_submit(registration=approved, user=freelancer)
    registration_services.registration_decide(registration=approved, actor=reviewer, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.entry_replace(  # every address replaced at once: the old registration is withdrawn
            entry=approved.entries.get(), user=freelancer, network=ipaddress.ip_network("111.68.96.20/32"),
            reason="New block.", old_leaves="now",
        )  # fmt: skip
    approved.refresh_from_db()
    assert approved.status == "withdrawn"
    with time_machine.travel(start + timedelta(days=400), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_documents() == 0
    assert Path(proof.file.path).exists()
