"""In Urdu, addresses, numbers and references read in their own order: sorting the characters of each value by
their position on screen, left to right, gives the value back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.test_accessibility import signed_in
from tests.factories import make_freelancer, make_registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The characters of the first text node holding `value`, ordered by where they are drawn.
ON_SCREEN = """(value) => {
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const start = node.data.indexOf(value);
    if (start < 0) continue;
    const range = document.createRange();
    const drawn = [];
    for (let i = 0; i < value.length; i++) {
      range.setStart(node, start + i);
      range.setEnd(node, start + i + 1);
      const box = range.getBoundingClientRect();
      drawn.push([box.left + box.width / 2, box.top, value[i]]);
    }
    drawn.sort((a, b) => (Math.abs(a[1] - b[1]) > 4 ? a[1] - b[1] : a[0] - b[0]));
    return drawn.map((d) => d[2]).join("");
  }
  return null;
}"""
VALUES = ["2001:db8::/32", "+92 300 1234567", "35202-1234567-3"]


def test_addresses_numbers_and_references_keep_their_order_on_urdu_pages(browser, live_server):
    freelancer = make_freelancer(email="ayesha@example.pk", cnic="3520212345673")
    draft = make_registration(user=freelancer, networks=["2001:db8::/32", "111.68.96.10"])
    context, page = signed_in(browser, live_server, freelancer, "ur")
    pages = {
        "check your answers": reverse("vpn_records:review", args=[draft.reference]),
        "registration": draft.get_absolute_url(),
        "dashboard": reverse("vpn_records:dashboard"),
    }
    problems = []
    for name, path in pages.items():
        page.goto(path)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        expected = [*VALUES, draft.reference] if name != "dashboard" else [*VALUES[1:], draft.reference]
        for value in expected:
            drawn = page.evaluate(ON_SCREEN, value)
            if drawn != value:
                problems.append(f"{name}: {value!r} is drawn as {drawn!r}")
    context.close()
    assert not problems, "\n".join(problems)
