"""Every page a person meets passes axe (WCAG 2.0, 2.1 and 2.2, A and AA) in English and in Urdu."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bulk_uploads import services as bulk
from licensing import services as licensing
from licensing.models import LicenceApplication
from tests.bulk_uploads.bulk_files import csv_file
from tests.evidence.conftest import png_bytes, upload
from tests.factories import make_company_user, make_freelancer, make_registration, make_staff, token_for
from tests.licensing.conftest import NATIONWIDE, another_company
from vpn_records import proofs, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Axe()
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}


def licence_granted(company, reviewer) -> LicenceApplication:
    application = LicenceApplication.objects.create(
        applicant=company.applicant, created_by=company, trade_name="IndusVPN", scope="provinces",
        provinces=["punjab", "sindh"], clientele="commercial", data_centres=["Lahore"], gateways=["39.40.2.0/28"],
        technical_contact_name="Hina Qureshi", technical_contact_email="noc@indusvpn.pk",
        technical_contact_mobile="+923337654321", fee_reference="CH-1", fee=200000, status="submitted",
    )  # fmt: skip
    licensing.licence_recommend(application=application, actor=reviewer)
    supervisor = make_staff(email="supervisor@pta.example", role="supervisor")
    return licensing.licence_grant(application=application, actor=supervisor)


def licence_draft() -> tuple:
    """Another company's draft application, one of its documents uploaded."""
    company = another_company("admin@ravi.pk", cnic="3520198765437")
    draft = licensing.licence_application_create(user=company, **{**NATIONWIDE, "gateways": ["39.40.3.0/28"]})
    licensing.licence_document_add(
        application=draft, user=company, kind="incorporation", file=upload("incorporation.png", png_bytes())
    )
    return company, draft


def violations(page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [
        f"{page.url} [{item['id']}] {item['help']}: " + "; ".join(node["target"][0] for node in item["nodes"][:5])
        for item in results.response["violations"]
    ]


def signed_in(browser, live_server, user, language: str):
    """A phone-sized page in `language`, signed in as `user` (or no one)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def visit_all(page, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = page.goto(path)
        assert response is not None
        found += violations(page)
    return found


@pytest.mark.parametrize("language", ["en", "ur"])
def test_every_page_passes_axe(
    browser, live_server, language, django_capture_on_commit_callbacks, settings, redis_cache
):  # redis_cache: the code it sends is counted afresh, not against the other tests' codes
    settings.RENEWAL_OPENS_DAYS = 400  # the approved registration's renewal form is open
    freelancer = make_freelancer(email="ayesha@example.pk")
    company = make_company_user(email="admin@induscode.pk")
    submitted = make_registration(user=freelancer, networks=["111.68.96.10", "2001:db8::/32"], submit=True)
    draft = make_registration(user=freelancer, networks=["39.40.1.1"])
    with_numbers = make_registration(user=freelancer, networks=[], numbers=["0300 1234567", "0345 1234567"])
    proofs.msisdn_code_send(user=freelancer, msisdn="+923451234567", operator="telenor", client_address="127.0.0.1")
    approved = make_registration(user=freelancer, networks=["111.68.97.0/28"], submit=True)
    reviewer = make_staff(email="reviewer@pta.example", role="reviewer")
    approved = services.registration_decide(registration=approved, actor=reviewer, approve=True)
    certificate = approved.certificates.get()  # issued by the approval: its check is a public page
    licence = licence_granted(company, reviewer)  # the register of licensed providers shows a row
    applying, application = licence_draft()
    job = bulk.bulk_upload_create(user=company, file=csv_file([["111.68.96.20", "", "", ""]]), **BATCH)
    token_for(company)
    found = []

    context, page = signed_in(browser, live_server, None, language)
    found += visit_all(
        page,
        [
            "/",
            reverse("applicants:login"),
            reverse("applicants:sign_up_freelancer"),
            reverse("applicants:sign_up_company"),
            "/no-such-page/",
            reverse("certificates:verify", args=[certificate.code]),
            reverse("certificates:verify", args=["no-such-code"]),
            reverse("licensing:register"),
        ],
    )
    context.close()

    context, page = signed_in(browser, live_server, freelancer, language)
    found += visit_all(
        page,
        [
            reverse("vpn_records:new"),
            reverse("vpn_records:review", args=[draft.reference]),
            reverse("vpn_records:submitted", args=[submitted.reference]),
            reverse("vpn_records:dashboard"),
            submitted.get_absolute_url(),
            approved.get_absolute_url(),  # with its certificate's links, Renew and Change address
            reverse("vpn_records:renew", args=[approved.reference]),
            reverse("vpn_records:replace", args=[approved.reference, approved.entries.get().pk]),
            reverse("notifications:inbox"),
            reverse("applicants:profile"),
            reverse("applicants:api_tokens"),
            reverse("licensing:new"),  # a freelancer is told only companies apply
        ],
    )
    page.goto(reverse("vpn_records:new"))
    page.locator("main form button[type=submit]").last.click()  # submitted empty: the page with errors
    page.wait_for_load_state()
    found += violations(page)
    page.goto(reverse("vpn_records:review", args=[with_numbers.reference]))  # one number to send a code, one to type
    found += violations(page)
    page.locator("main form button[type=submit]").last.click()  # submitted unproved: the error summary
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    found += violations(page)
    page.goto(reverse("vpn_records:replace", args=[approved.reference, approved.entries.get().pk]))
    page.locator("main form button[type=submit]").last.click()  # nothing typed: errors on a text box and radios
    page.wait_for_load_state()
    found += violations(page)
    page.goto(reverse("vpn_records:edit", args=[with_numbers.reference]))
    page.locator("#id_numbers").fill("0300 1234567\n051 2345678")
    page.locator("main form button[type=submit]").last.click()  # a landline: the line error
    page.wait_for_load_state()
    found += violations(page)
    context.close()

    context, page = signed_in(browser, live_server, company, language)
    found += visit_all(
        page,
        [
            reverse("bulk_uploads:new"),
            job.get_absolute_url(),
            reverse("applicants:team"),
            reverse("licensing:mine"),
            reverse("licensing:application", args=[licence.pk]),  # granted, with its history
        ],
    )
    context.close()

    context, page = signed_in(browser, live_server, applying, language)
    found += visit_all(
        page,
        [
            reverse("licensing:new"),
            reverse("licensing:application", args=[application.pk]),
            reverse("licensing:withdraw", args=[application.pk]),
        ],
    )
    page.goto(reverse("licensing:new"))
    page.locator("main form button[type=submit]").last.click()  # submitted empty: errors on text, radios, lines
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    found += violations(page)
    page.goto(reverse("licensing:application", args=[application.pk]))
    page.locator("main form button[type=submit]").last.click()  # submitted without every document
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    found += violations(page)
    page.locator("main form[enctype] button[type=submit]").click()  # an upload without a file: the field's error
    page.wait_for_load_state()
    assert page.locator(".error-summary").count() == 1
    found += violations(page)
    context.close()
    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)


FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  element.scrollIntoView({block: "center"});
  const box = element.getClientRects()[0];  // a link wrapped over two lines: its first line
  if (!box) return {name: element.outerHTML.slice(0, 80), visible: false, covered: true};
  const style = getComputedStyle(element);
  const top = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {
    name: element.outerHTML.slice(0, 80),
    visible: style.outlineStyle !== "none" || style.boxShadow !== "none",
    covered: !(top === element || element.contains(top) || (top && top.contains(element))),
  };
}"""
FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, [tabindex='0']"
)


@pytest.mark.parametrize("language", ["en", "ur"])
def test_keyboard_alone_reaches_every_control_with_visible_focus_and_nothing_scrolls_sideways_at_320px(
    browser, live_server, language
):
    freelancer = make_freelancer(email="ayesha@example.pk")
    make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    problems = []
    for user, paths in [
        (None, ["/", reverse("applicants:login"), reverse("applicants:sign_up_freelancer")]),
        (freelancer, [reverse("vpn_records:dashboard"), reverse("vpn_records:new"), reverse("applicants:profile")]),
    ]:
        context, page = signed_in(browser, live_server, user, language)
        page.set_viewport_size({"width": 320, "height": 640})
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                problems.append(f"{path}: {width} px wide at 320 px")
            expected = page.locator(FOCUSABLE).count()
            reached: list[dict] = []
            for _ in range(2 * expected + 4):  # round the page once, from wherever focus starts (autofocus)
                page.keyboard.press("Tab")
                focused = page.evaluate(FOCUSED)
                if focused is None:
                    continue
                if reached and focused["name"] == reached[0]["name"]:
                    break
                reached.append(focused)
            problems += [f"{path}: focus not visible on {f['name']}" for f in reached if not f["visible"]]
            problems += [f"{path}: focused {f['name']} is covered" for f in reached if f["covered"]]
            if len({f["name"] for f in reached}) < expected:
                problems.append(f"{path}: Tab reached {len(reached)} of {expected} controls")
        context.close()
    assert not problems, "\n".join(problems)


def test_a_form_with_errors_follows_the_gov_uk_pattern(browser, live_server):
    freelancer = make_freelancer(email="ayesha@example.pk")
    for language, prefix in (("en", "Error: "), ("ur", "خرابی: ")):
        context, page = signed_in(browser, live_server, freelancer, language)
        page.goto(reverse("vpn_records:new"))
        page.locator("#id_purpose_detail").fill("Remote work.")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.title().startswith(prefix)
        summary = page.locator("main > .error-summary")
        assert page.evaluate("document.querySelector('main').firstElementChild.className") == "error-summary"
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
        for link in summary.locator("a").all():
            target = link.get_attribute("href")
            control = page.locator(target)
            assert control.count() == 1, target
            assert control.get_attribute("aria-invalid") == "true"
            for described in control.get_attribute("aria-describedby").split():
                assert page.locator(f"#{described}").count() == 1, described
        assert page.locator("#id_purpose_detail").input_value() == "Remote work."  # what was typed is kept
        context.close()
