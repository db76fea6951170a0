"""Registration drives: the window set by supervisors or a command, shown to applicants, enforced on new
registrations, and told to applicants with unfinished ones."""

import ipaddress
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from bulk_uploads import services as bulk
from core.errors import ConflictError, ForbiddenError, PortalError
from drives import services as drives
from drives.models import RegistrationWindow, WindowChange
from notifications.models import Notification
from tests.bulk_uploads.bulk_files import csv_file
from tests.factories import make_freelancer, make_registration
from tests.vpn_records.test_api import PAYLOAD
from tests.vpn_records.test_views import FORM
from vpn_records import services
from vpn_records.models import Registration, Status

pytestmark = pytest.mark.django_db
PKT = ZoneInfo("Asia/Karachi")
DRIVE = {"deadline": date(2026, 11, 30), "grace_until": date(2026, 12, 14), "after_grace": "closed"}


def at(day: str, hour: int = 10):
    """A moment on `day` in Pakistan time."""
    return time_machine.travel(datetime.fromisoformat(day).replace(hour=hour, tzinfo=PKT), tick=False)


def set_window(**fields) -> WindowChange | None:
    return drives.window_set(actor=None, via="command", reason="Drive announced by the Authority.", **(DRIVE | fields))


def closed_message_in(text: str) -> bool:
    return "Registration closed on" in text and "14 December 2026" in text


# No window


def test_with_no_window_registration_is_open_and_no_banner_shows(client, freelancer, api_client):
    client.force_login(freelancer)
    assert "Registration drive" not in client.get(reverse("vpn_records:dashboard")).content.decode()
    assert make_registration(user=freelancer, submit=True).status != Status.DRAFT
    body = api_client.get(reverse("api:registration-window")).json()
    assert body["state"] == "none" and body["deadline"] is None and body["days_left"] is None


# The command


def test_command_sets_the_window_with_its_reason_and_prints_it():
    out = StringIO()
    with at("2026-11-20"):
        call_command(
            "registration_window", "--deadline", "2026-11-30", "--grace-until", "2026-12-14",
            "--after-grace", "closed", "--reason", "Drive announced on 1 November.", stdout=out,
        )  # fmt: skip
        printed = StringIO()
        call_command("registration_window", stdout=printed)
    window = RegistrationWindow.objects.get()
    assert (window.deadline, window.grace_until, window.after_grace) == (
        date(2026, 11, 30),
        date(2026, 12, 14),
        "closed",
    )
    change = WindowChange.objects.get()
    assert change.reason == "Drive announced on 1 November." and change.via == "command" and change.before is None
    assert change.after["deadline"] == "2026-11-30"
    text = printed.getvalue()
    assert "state: open (10 days left)" in text and "deadline: 2026-11-30" in text
    assert "grace until: 2026-12-14" in text and "Drive announced on 1 November." in text


def test_command_refuses_a_change_without_a_reason():
    with pytest.raises(CommandError, match="--reason"):
        call_command("registration_window", "--deadline", "2026-11-30", "--grace-until", "2026-12-14")
    assert not RegistrationWindow.objects.exists() and not WindowChange.objects.exists()


def test_command_refuses_a_grace_period_ending_before_the_deadline():
    with pytest.raises(CommandError, match="grace period must end on or after the deadline"):
        call_command(
            "registration_window", "--deadline", "2026-11-30", "--grace-until", "2026-11-20", "--reason", "Typo test"
        )
    assert not RegistrationWindow.objects.exists()


def test_command_keeps_what_it_is_not_given_and_records_before_and_after():
    set_window(notice_en="Register before the deadline.")
    call_command(
        "registration_window", "--after-grace", "open-late", "--reason", "Late entries allowed.", stdout=StringIO()
    )
    window = RegistrationWindow.objects.get()
    assert window.after_grace == "open_late" and window.notice_en == "Register before the deadline."
    change = WindowChange.objects.first()
    assert change.before["after_grace"] == "closed" and change.after["after_grace"] == "open_late"


def test_only_supervisors_change_the_window(reviewer, supervisor):
    with pytest.raises(ForbiddenError):
        drives.window_set(actor=reviewer, reason="Not mine to change.", **DRIVE)
    assert drives.window_set(actor=supervisor, reason="Announced.", **DRIVE).actor == supervisor


def test_supervisor_sets_the_window_in_the_admin_only_with_a_reason(client, supervisor):
    client.force_login(supervisor)
    url = reverse("admin:drives_registrationwindow_add")
    form = {"deadline": "2026-11-30", "grace_until": "2026-12-14", "after_grace": "closed", "notice_en": "",
            "notice_ur": "", "opens_on": "", "enforcement_from": ""}  # fmt: skip
    assert client.post(url, {**form, "reason": ""}).status_code == 200
    assert not RegistrationWindow.objects.exists()
    assert client.post(url, {**form, "reason": "Announced today."}).status_code == 302
    assert WindowChange.objects.get().actor == supervisor


def test_auditor_reads_the_history_but_cannot_change_the_window(client, auditor):
    set_window()
    client.force_login(auditor)
    history = client.get(reverse("admin:drives_windowchange_changelist"))
    assert history.status_code == 200 and "Drive announced by the Authority." in history.content.decode()
    assert client.get(reverse("admin:drives_registrationwindow_add")).status_code == 403
    change = reverse("admin:drives_registrationwindow_change", args=[1])
    assert client.post(change, {**DRIVE, "reason": "Mine now."}).status_code == 403


# The API


def test_api_answers_the_window_without_a_token_and_304_for_its_etag(api_client):
    set_window(notice_en="Register your VPN.", notice_ur="اپنا وی پی این رجسٹر کریں")
    with at("2026-11-20"):
        response = api_client.get(reverse("api:registration-window"))
        assert response.status_code == 200
        body = response.json()
        assert body["state"] == "open" and body["days_left"] == 10
        assert (body["deadline"], body["grace_until"], body["after_grace"]) == ("2026-11-30", "2026-12-14", "closed")
        assert body["notice"] == {"en": "Register your VPN.", "ur": "اپنا وی پی این رجسٹر کریں"}
        assert body["opens_at"] is None and body["extended"] is False and body["changed_at"]
        again = api_client.get(reverse("api:registration-window"), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
    with at("2026-12-01"):  # the state moved on: a new copy
        moved = api_client.get(reverse("api:registration-window"), HTTP_IF_NONE_MATCH=response["ETag"])
        assert moved.status_code == 200 and moved.json()["state"] == "grace" and moved.json()["days_left"] == 13


# The banner


def banner(client, language: str = "en") -> str:
    client.cookies["django_language"] = language
    page = client.get(reverse("vpn_records:dashboard")).content.decode()
    assert 'role="region" aria-labelledby="drive-banner-title"' in page
    return page


def test_banner_counts_the_days_left_in_english_and_urdu(client, freelancer):
    set_window()
    client.force_login(freelancer)
    with at("2026-11-20"):
        assert "10 days left to register: the deadline is <bdi>30 November 2026</bdi>." in banner(client)
        assert "<bdi>30 نومبر 2026</bdi>" in banner(client, "ur")


def test_banner_says_when_the_deadline_was_extended(client, freelancer):
    set_window()
    set_window(deadline=date(2026, 12, 7))
    client.force_login(freelancer)
    with at("2026-12-06"):
        page = banner(client)
    assert "1 day left to register" in page
    assert "The deadline was extended from <bdi>30 November 2026</bdi> to <bdi>7 December 2026</bdi>." in page


def test_banner_shows_the_grace_period_then_closed(client, freelancer):
    set_window()
    client.force_login(freelancer)
    with at("2026-12-05"):
        assert "Until <bdi>14 December 2026</bdi>, registrations are still accepted and marked late." in banner(client)
    with at("2026-12-15"):
        assert "Registration closed on <bdi>14 December 2026</bdi>" in banner(client)
        assert "<bdi>14 دسمبر 2026</bdi>" in banner(client, "ur")


def test_notice_is_shown_in_the_readers_language(client, freelancer):
    set_window(notice_en="Bring your CNIC.", notice_ur="اپنا شناختی کارڈ ساتھ رکھیں")
    client.force_login(freelancer)
    with at("2026-11-20"):
        assert "Bring your CNIC." in banner(client)
        assert "اپنا شناختی کارڈ ساتھ رکھیں" in banner(client, "ur")


# Late submissions


def test_a_submission_in_the_grace_period_is_late_and_staff_filter_on_it(client, freelancer, reviewer):
    on_time = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    set_window()
    with at("2026-12-05"):
        late = make_registration(user=freelancer, networks=["111.68.96.11"], submit=True)
    assert (Registration.objects.get(pk=late.pk).late, Registration.objects.get(pk=on_time.pk).late) == (True, False)
    client.force_login(reviewer)
    changelist = reverse("admin:vpn_records_registration_changelist")
    listed = client.get(changelist, {"status": "all", "late__exact": "1"}).content.decode()
    assert late.reference in listed and on_time.reference not in listed
    assert on_time.reference in client.get(changelist, {"status": "all", "late__exact": "0"}).content.decode()


def test_after_grace_an_open_late_window_accepts_registrations_marked_late(freelancer):
    set_window(after_grace="open_late")
    with at("2026-12-20"):
        registration = make_registration(user=freelancer, submit=True)
    registration.refresh_from_db()
    assert registration.late and registration.status != Status.DRAFT


# A closed window


def test_closed_window_refuses_a_new_registration_by_form_with_the_dates(client, freelancer):
    set_window()
    client.force_login(freelancer)
    with at("2026-12-15"):
        page = client.get(reverse("vpn_records:new")).content.decode()
        token = page.split('name="form_token" value="')[1].split('"')[0]
        response = client.post(reverse("vpn_records:new"), {**FORM, "form_token": token})
    assert response.status_code == 200
    assert closed_message_in(response.content.decode())
    assert not Registration.objects.exists()


def test_closed_window_refuses_a_new_registration_by_api_with_409(freelancer_api):
    set_window()
    with at("2026-12-15"):
        response = freelancer_api.post(reverse("api:registration-list"), PAYLOAD, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "registration_closed"
    assert closed_message_in(response.json()["detail"])
    assert not Registration.objects.exists()


def test_closed_window_refuses_a_bulk_upload(company_user):
    set_window()
    with at("2026-12-15"), pytest.raises(ConflictError) as refused:
        bulk.bulk_upload_create(
            user=company_user, file=csv_file([["111.68.96.10", "", "", ""]]), purpose="it_export",
            purpose_detail="Offshore team.", isp="nayatel", vpn_type="ipsec",
        )  # fmt: skip
    assert refused.value.code == "registration_closed" and closed_message_in(refused.value.message)


def test_closed_window_refuses_submitting_a_draft_made_before(freelancer):
    draft = make_registration(user=freelancer)
    set_window()
    with at("2026-12-15"), pytest.raises(ConflictError, match="Registration closed on"):
        services.registration_submit(registration=draft, user=freelancer)


def test_closed_window_still_accepts_a_correction_of_changes_requested(
    freelancer, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, submit=True)
    registration.refresh_from_db()
    services.registration_request_changes(registration=registration, actor=reviewer, reason="Describe the clients.")
    set_window()
    with at("2026-12-15"):
        registration.refresh_from_db()
        services.registration_submit(registration=registration, user=freelancer)
    registration.refresh_from_db()
    assert registration.status == Status.SUBMITTED and not registration.late


# Notices


def test_extending_the_deadline_tells_applicants_with_drafts_or_changes_requested_in_their_language(
    freelancer, other_applicant, reviewer, django_capture_on_commit_callbacks
):
    done = make_freelancer(email="done@example.pk", cnic="3740512345679", full_name="Done Already")
    with django_capture_on_commit_callbacks(execute=True):
        make_registration(user=done, networks=["111.68.96.30"], submit=True)
        sent_back = make_registration(user=other_applicant, networks=["111.68.96.20"], submit=True)
    sent_back.refresh_from_db()
    services.registration_request_changes(registration=sent_back, actor=reviewer, reason="Describe the clients.")
    make_registration(user=freelancer)  # a draft
    other_applicant.language = "ur"
    other_applicant.save(update_fields=["language"])
    set_window()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        set_window(deadline=date(2026, 12, 7))
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert set(subjects) == {freelancer.email, other_applicant.email}
    assert "7 December 2026" in subjects[freelancer.email]
    assert "دسمبر" in subjects[other_applicant.email]  # in Urdu, with the Urdu month
    body = next(m.body for m in mail.outbox if m.to == [freelancer.email])
    assert "extended from \u206830 November 2026\u2069 to \u20687 December 2026\u2069" in body
    in_app = Notification.objects.filter(event="deadline_extended", channel="in_app")
    assert {n.user for n in in_app} == {freelancer, other_applicant}


def test_bringing_the_deadline_forward_tells_nobody(freelancer, django_capture_on_commit_callbacks):
    make_registration(user=freelancer)
    set_window()
    with django_capture_on_commit_callbacks(execute=True):
        set_window(deadline=date(2026, 11, 25))
    assert not Notification.objects.filter(event="deadline_extended").exists()


def test_reminders_go_once_per_deadline_and_days_before(
    freelancer, other_applicant, django_capture_on_commit_callbacks
):
    make_registration(user=freelancer)  # a draft
    make_registration(user=other_applicant, networks=["111.68.96.20"], submit=True)
    set_window()
    mail.outbox.clear()
    with at("2026-11-23"), django_capture_on_commit_callbacks(execute=True):  # 7 days before
        assert drives.deadline_reminders_send() == 1
        drives.deadline_reminders_send()
    assert [m.to for m in mail.outbox] == [[freelancer.email]]
    assert "Finish your VPN registration by \u206830 November 2026\u2069" in mail.outbox[0].subject
    with at("2026-11-25"), django_capture_on_commit_callbacks(execute=True):  # still the 7-day reminder
        drives.deadline_reminders_send()
    with at("2026-11-29"), django_capture_on_commit_callbacks(execute=True):  # 1 day before
        drives.deadline_reminders_send()
        drives.deadline_reminders_send()
    assert len(mail.outbox) == 2 and "in 1 day:" in mail.outbox[1].body


def test_no_reminders_without_a_window_or_before_the_first_day(freelancer):
    make_registration(user=freelancer)
    assert drives.deadline_reminders_send() == 0
    set_window()
    with at("2026-11-01"):
        assert drives.deadline_reminders_send() == 0
    assert not Notification.objects.filter(event="deadline_reminder").exists()


def test_closed_window_refuses_a_new_registration_but_renews_and_changes_addresses_on_time(
    freelancer, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.RENEWAL_OPENS_DAYS = 400  # renewal open at once
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10", "39.40.1.1"], submit=True)
    registration.refresh_from_db()
    services.registration_decide(registration=registration, actor=reviewer, approve=True)
    set_window()
    with at("2026-12-15"):
        with pytest.raises(PortalError) as refused:
            make_registration(user=freelancer, networks=["111.68.96.40"], submit=True)
        assert closed_message_in(refused.value.message)
        change = services.entry_replace(
            entry=registration.entries.get(network="39.40.1.1/32"),
            user=freelancer,
            network=ipaddress.ip_network("39.40.1.2/32"),
            reason="New address from the ISP.",
            old_leaves="on_approval",
        )
        renewal = services.registration_renew(registration=registration, user=freelancer)
    for made in (change, renewal):
        made.refresh_from_db()
        assert made.status != Status.DRAFT and made.late is False
