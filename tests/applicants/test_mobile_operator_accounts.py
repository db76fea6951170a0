"""A mobile network's operator account, made by a supervisor in the admin or with `issue_api_token --operator
--mobile-operator jazz`: it says which network's numbers its tokens will read; an ISP's account has none."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from applicants.models import ApiToken, User
from tests.factories import make_freelancer

pytestmark = pytest.mark.django_db


def issue(*arguments: str) -> str:
    out = io.StringIO()
    call_command("issue_api_token", *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_the_command_makes_a_mobile_operators_account_and_a_token_for_it():
    key = issue("noc@jazz.example", "--operator", "--organisation", "Jazz", "--mobile-operator", "jazz")
    account = User.objects.get(email="noc@jazz.example")
    assert (account.is_operator, account.mobile_operator) == (True, "jazz")
    assert ApiToken.objects.get(user=account).prefix == key[:12]


def test_an_isps_account_has_no_mobile_network_and_cannot_be_given_one_by_the_command():
    issue("noc@isp.example", "--operator", "--organisation", "Example ISP")
    assert User.objects.get(email="noc@isp.example").mobile_operator == ""
    with pytest.raises(CommandError, match="is not zong's account"):
        issue("noc@isp.example", "--operator", "--mobile-operator", "zong")
    with pytest.raises(CommandError, match="pass --operator too"):
        issue("someone@example.pk", "--mobile-operator", "zong")
    with pytest.raises(CommandError):
        issue("noc@new.example", "--operator", "--organisation", "X", "--mobile-operator", "warid")


def test_the_database_refuses_a_mobile_network_on_an_applicants_account():
    freelancer = make_freelancer(email="ayesha@example.pk")
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=freelancer.pk).update(mobile_operator="jazz")


def test_supervisors_set_the_mobile_network_in_the_admin(client, supervisor):
    client.force_login(supervisor)
    page = client.post(
        "/admin/applicants/operatoraccount/add/",
        {"email": "NOC@Zong.example", "full_name": "Zong", "mobile_operator": "zong", "is_active": "on"},
    )
    assert page.status_code == 302, page.content.decode()[:500]
    assert User.objects.get(email="noc@zong.example").mobile_operator == "zong"
