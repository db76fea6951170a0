"""Acceptance: a company uploads a 500-row CSV through the browser, a real worker checks it chunk by chunk while
the page's progress bar advances, and the error report lists exactly the rows planted with mistakes."""

import csv
import io
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import expect

from bulk_uploads.models import BulkUpload, BulkUploadRow
from tests.factories import PASSWORD, make_company_user
from vpn_records.models import IpEntry, Status

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]

DATA_ROWS = 500
CHUNK_ROWS = 50
# Spreadsheet row number (the header is row 1) → (ip, vpn_type) of a planted bad row, spread over the chunks.
BAD_ROWS = {
    14: ("111.68.96.300", ""),  # not an address
    123: ("10.20.30.40", ""),  # private range
    257: ("111.68.96.1", ""),  # the address of row 2, three chunks earlier
    390: ("111.68.99.7", "pptp"),  # a VPN type we do not know
    488: ("100.64.12.1", ""),  # carrier-grade NAT space
}
REASONS = {
    14: ("ip", "111.68.96.300", "is not a valid IPv4 or IPv6 address"),
    123: ("ip", "10.20.30.40", "private address space (RFC 1918)"),
    257: ("ip", "111.68.96.1", "The same network is on row 2."),
    390: ("vpn_type", "pptp", "“pptp” is not a VPN type we know"),
    488: ("ip", "100.64.12.1", "shared address space (100.64.0.0/10"),
}
# Records the bar's value every 50 ms in the page itself; htmx swaps the element, the window keeps the list.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  setInterval(() => {
    const bar = document.getElementById("bulk-progress-bar");
    if (bar) window.progressSeen.push(Number(bar.getAttribute("value")));
  }, 50);
}"""


def upload_csv() -> bytes:
    """500 data rows: 495 distinct public PTCL addresses and the 5 bad rows of BAD_ROWS."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ip", "site", "vpn_type", "notes"])
    good = (f"111.68.{96 + i // 250}.{1 + i % 250}" for i in range(DATA_ROWS))
    for number in range(2, DATA_ROWS + 2):
        ip, vpn_type = BAD_ROWS.get(number) or (next(good), "WireGuard" if number % 7 == 0 else "")
        writer.writerow([ip, f"Office {number % 3 + 1}", vpn_type, f"row {number}"])
    return out.getvalue().encode("utf-8")


def test_company_uploads_500_rows_watches_progress_and_downloads_the_5_rejected_rows(page, workers):
    # The factory's one user, not the four demo logins: each password hash costs most of a second.
    make_company_user(email="it@induscode.pk")
    page.goto("/account/login/")
    page.get_by_label("Email address").fill("it@induscode.pk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My registrations")).to_be_visible()

    page.get_by_role("link", name="Upload a file of addresses").click()
    expect(page.get_by_role("heading", name="Upload a file of IP addresses")).to_be_visible()
    page.get_by_label("File of IP addresses (CSV or XLSX)").set_input_files(
        {"name": "offices.csv", "mimeType": "text/csv", "buffer": upload_csv()}
    )
    page.get_by_label("Purpose", exact=True).select_option("it_export")
    page.get_by_label("Describe the purpose").fill("Developers in three offices reach clients' networks abroad.")
    page.get_by_label("Internet service provider").select_option("ptcl")
    page.get_by_label("VPN type (rows may give their own)").select_option("ipsec")
    page.get_by_role("button", name="Upload and check").click()

    page.wait_for_url(re.compile(r"/registrations/bulk/[0-9a-f-]{36}/$"))
    page.evaluate(RECORD_PROGRESS)
    expect(page.get_by_role("heading", name="Upload of “offices.csv”")).to_be_visible()
    progress = page.locator("#bulk-progress-bar")
    state = page.locator("#bulk-progress [data-state]")
    counts = page.locator("#bulk-progress .counts")
    # No worker yet: the job waits in the queue.
    expect(state).to_have_attribute("data-state", "queued")
    expect(progress).to_have_attribute("value", "0")
    upload = BulkUpload.objects.get()

    with transaction.atomic():
        # An uncommitted row of the same number stops the worker as it stores the sixth chunk (rows 252-301),
        # so the page is seen half-way, deterministically; the rollback lets it go on.
        BulkUploadRow.objects.create(upload=upload, row_number=2 + 5 * CHUNK_ROWS, accepted=False)
        worker = workers(BULK_UPLOAD_CHUNK_ROWS=str(CHUNK_ROWS))
        with worker_log_on_failure(worker):
            expect(progress).to_have_attribute("value", "50", timeout=20_000)
        expect(state).to_have_attribute("data-state", "running")
        expect(state).to_have_text("Processing")
        expect(counts).to_contain_text("250 of 500 rows checked (50%).")
        expect(counts).to_contain_text("Accepted: 248. Rejected: 2.")
        page.screenshot(path="test-results/bulk-upload-half-way.png", full_page=True)
        transaction.set_rollback(True)

    with worker_log_on_failure(worker):
        expect(progress).to_have_attribute("value", "100", timeout=20_000)
    expect(state).to_have_attribute("data-state", "completed")
    expect(state).to_have_text("Finished")
    expect(counts).to_contain_text("500 of 500 rows checked (100%).")
    expect(counts).to_contain_text("Accepted: 495. Rejected: 5.")
    seen = page.evaluate("window.progressSeen")
    assert seen == sorted(seen), f"the progress bar went backwards: {sorted(set(seen))}"
    assert {0, 50, 100} <= set(seen)
    page.screenshot(path="test-results/bulk-upload-finished.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the error report (5 rows)").click()
    download = download_info.value
    assert download.suggested_filename == f"errors-{upload.public_id}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read the report as UTF-8"
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert header == ["row", "column", "value", "error"]
    assert [int(row[0]) for row in rows] == sorted(BAD_ROWS)
    for number, column, value, error in rows:
        expected_column, expected_value, reason = REASONS[int(number)]
        assert (column, value) == (expected_column, expected_value), (number, column, value)
        assert reason in error, (number, error)

    upload.refresh_from_db()
    assert (upload.total_rows, upload.processed_rows, upload.accepted_rows, upload.rejected_rows) == (500, 500, 495, 5)
    entries = IpEntry.objects.filter(registration=upload.registration)
    assert entries.count() == 495
    assert not entries.filter(source_row__in=BAD_ROWS).exists()
    assert set(entries.values_list("status", flat=True)) == {Status.UNDER_REVIEW}
    expect(page.get_by_role("link", name=upload.registration.reference)).to_be_visible()


@contextmanager
def worker_log_on_failure(worker):
    try:
        yield
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker log ---\n{worker.log.read_text()}") from None
