"""Back and Continue, a refresh or a double click never make a second draft or submit twice; the confirmation can be
opened again; every page says where to get help."""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.vpn_records.test_views import FORM
from vpn_records.models import Registration, Status


def form_token(client) -> str:
    page = client.get(reverse("vpn_records:new")).content.decode()
    return re.search(r'name="form_token" value="([0-9a-f-]{36})"', page).group(1)


@pytest.mark.django_db
def test_back_then_continue_changes_the_draft_instead_of_making_a_second(client, freelancer):
    client.force_login(freelancer)
    token = form_token(client)
    first = client.post(reverse("vpn_records:new"), {**FORM, "form_token": token})
    again = client.post(reverse("vpn_records:new"), {**FORM, "form_token": token, "networks": "39.40.1.1"})
    assert first.url == again.url
    draft = Registration.objects.get()
    assert [e.network_display for e in draft.entries.all()] == ["39.40.1.1"]
    client.post(reverse("vpn_records:new"), {**FORM, "form_token": form_token(client)})  # a new form: a new draft
    assert Registration.objects.count() == 2


@pytest.mark.django_db
def test_submitting_twice_after_back_shows_the_confirmation_not_an_error(
    client, freelancer, django_capture_on_commit_callbacks
):
    client.force_login(freelancer)
    client.post(reverse("vpn_records:new"), {**FORM, "form_token": form_token(client)})
    draft = Registration.objects.get()
    submit = reverse("vpn_records:submit", args=[draft.reference])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(submit)
    second = client.post(submit)
    assert first.url == second.url == reverse("vpn_records:submitted", args=[draft.reference])
    assert not [m for m in get_messages(second.wsgi_request) if m.level_tag == "error"]
    assert Registration.objects.get().status == Status.UNDER_REVIEW
    detail = client.get(draft.get_absolute_url()).content.decode()
    assert reverse("vpn_records:submitted", args=[draft.reference]) in detail  # the confirmation, again
    confirmation = client.get(second.url).content.decode()
    assert "What happens next" in confirmation and draft.reference in confirmation


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_continue_makes_one_draft(freelancer):
    client = Client()
    client.force_login(freelancer)
    token = form_token(client)
    barrier, answers = threading.Barrier(2), []

    def click() -> None:
        browser = Client()
        browser.cookies = client.cookies
        try:
            barrier.wait()
            answers.append(browser.post(reverse("vpn_records:new"), {**FORM, "form_token": token}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]
    assert Registration.objects.count() == 1


@pytest.mark.django_db
def test_every_page_says_where_to_get_help(client, settings):
    settings.SUPPORT_EMAIL, settings.SUPPORT_PHONE = "help@pta.example", "+92 51 123 4567"
    page = client.get("/").content.decode()
    assert 'href="mailto:help@pta.example"' in page and "+92 51 123 4567" in page
