"""Bulk upload from the browser, the API and the command line."""

import csv
import io
import re

import openpyxl
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload
from notifications.models import Notification
from tests.bulk_uploads.bulk_files import csv_file, xlsx_file
from tests.factories import token_for, urdu_digits
from vpn_records.models import IpEntry

pytestmark = pytest.mark.django_db
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}
ROWS = [["111.68.96.1", "Lahore", "", ""], ["111.68.96.2", "", "", ""], ["172.16.0.1", "", "", ""]]


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.text


@pytest.fixture
def company_client(client, company_user):
    client.force_login(company_user)
    return client


def test_company_uploads_a_file_and_follows_it_to_the_registration(
    company_client, company_user, django_capture_on_commit_callbacks
):
    page = company_client.get(reverse("bulk_uploads:new")).text
    assert "Upload a file of IP addresses" in page and "template.xlsx" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = company_client.post(reverse("bulk_uploads:new"), BATCH | {"file": csv_file(ROWS)})
    job = BulkUpload.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()

    page = company_client.get(response.url).text
    assert 'value="100"' in page and "Finished" in page
    assert "3 of 3 rows checked (100%)" in page and "Accepted: 2. Rejected: 1." in page
    job.refresh_from_db()
    assert job.registration.reference in page
    assert "hx-trigger" not in page  # finished: the page stops polling

    report = body(company_client.get(reverse("bulk_uploads:errors", args=[job.public_id])))
    assert list(csv.reader(io.StringIO(report)))[1][:3] == ["4", "ip", "172.16.0.1"]

    detail = company_client.get(job.registration.get_absolute_url()).text
    assert "From your upload of “<bdi>ips.csv</bdi>”" in detail
    assert "111.68.96.1" in detail and "Lahore" in detail  # each entry's row and site


def test_the_progress_panel_polls_while_the_job_runs(company_client, company_user):
    job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), dispatch=False, **BATCH)
    panel = company_client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).text
    assert 'id="bulk-progress"' in panel
    assert 'hx-trigger="every 1s"' in panel and "Waiting to start" in panel and "<html" not in panel
    full = company_client.get(job.get_absolute_url()).text
    assert "htmx-2.min.js" in full and '<meta http-equiv="refresh"' in full  # and without JavaScript

    response = company_client.post(reverse("bulk_uploads:cancel", args=[job.public_id]), follow=True)
    assert "The upload was cancelled; nothing from it was registered." in response.text
    assert "Cancelled" in response.text and "hx-trigger" not in response.text


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file([["111.68.96.1"]], header=["addresses"]), "No “ip” column"),
        (csv_file([], name="ips.docx"), "“\u2068ips.docx\u2069” is not a CSV or XLSX file."),
        (csv_file([], name="empty.csv", header=[]), "The file has no rows."),
    ],
)
def test_a_bad_file_is_refused_on_the_form_with_why(company_client, file, message):
    response = company_client.post(reverse("bulk_uploads:new"), BATCH | {"file": file})
    assert response.status_code == 200
    assert message in response.text and 'class="error-summary"' in response.text
    assert not BulkUpload.objects.exists()


def test_a_file_over_the_limit_is_refused_while_it_arrives(company_client, settings):
    settings.BULK_UPLOAD_MAX_BYTES = 2_000
    big = csv_file([[f"111.68.{i // 250}.{i % 250}", "", "", ""] for i in range(2_000)])
    response = company_client.post(reverse("bulk_uploads:new"), BATCH | {"file": big})
    assert response.status_code == 200
    assert "The file is larger than the limit of 0.002 MB." in response.text
    assert not BulkUpload.objects.exists()


def test_templates_download_in_both_formats(company_client):
    text = company_client.get(reverse("bulk_uploads:template", args=["csv"])).content.decode("utf-8-sig")
    assert text.splitlines()[0] == "ip,site,vpn_type,notes"
    response = company_client.get(reverse("bulk_uploads:template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == ("ip", "site", "vpn_type", "notes")
    assert company_client.get(reverse("bulk_uploads:template", args=["pdf"])).status_code == 404


def test_freelancers_are_sent_to_the_form(client, freelancer):
    client.force_login(freelancer)
    response = client.get(reverse("bulk_uploads:new"))
    assert response.url == reverse("vpn_records:new")


def test_another_applicants_upload_is_not_found(client, company_user, other_applicant):
    job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), dispatch=False, **BATCH)
    client.force_login(other_applicant)
    for name in ("upload", "errors"):
        assert client.get(reverse(f"bulk_uploads:{name}", args=[job.public_id])).status_code == 404
    assert client.post(reverse("bulk_uploads:cancel", args=[job.public_id])).status_code == 404


# The API


@pytest.fixture
def company_api(api_client, company_user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(company_user)}")
    return api_client


def test_api_upload_answers_202_then_reports_status_counts_and_errors(company_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = company_api.post("/api/v1/bulk-uploads/", BATCH | {"file": csv_file(ROWS)}, format="multipart")
    assert response.status_code == 202, response.json()
    job_url = response.json()["url"]
    assert response["Location"] == job_url

    job = company_api.get(job_url).json()
    assert {k: job[k] for k in ("status", "total_rows", "accepted_rows", "rejected_rows", "percent")} == {
        "status": "completed", "total_rows": 3, "accepted_rows": 2, "rejected_rows": 1, "percent": 100,
    }  # fmt: skip
    assert job["registration"].startswith("VPN-") and job["failure"] is None
    report = body(company_api.get(job["errors_url"]))
    assert report.splitlines()[0] == "row,column,value,error" and "172.16.0.1" in report

    listed = company_api.get("/api/v1/bulk-uploads/").json()
    assert [item["id"] for item in listed["results"]] == [job["id"]]
    conflict = company_api.post(f"/api/v1/bulk-uploads/{job['id']}/cancel/")
    assert conflict.status_code == 409 and conflict.json()["errors"][0]["code"] == "not_active"


def test_api_bad_input_names_the_field(company_api):
    response = company_api.post(
        "/api/v1/bulk-uploads/", BATCH | {"purpose": "gaming", "file": csv_file([], header=["x"])}, format="multipart"
    )
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"purpose"}
    response = company_api.post(
        "/api/v1/bulk-uploads/", BATCH | {"file": csv_file([["1"]], header=["x"])}, format="multipart"
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "file" and error["code"] == "missing_ip_column"


def test_api_refuses_a_file_over_the_limit(company_api, settings):
    settings.BULK_UPLOAD_MAX_BYTES = 500
    big = csv_file([[f"111.68.96.{i}", "", "", ""] for i in range(100)])
    response = company_api.post("/api/v1/bulk-uploads/", BATCH | {"file": big}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "file",
        "code": "too_large",
        "message": "The file is larger than the limit of 0.0005 MB. Split it into smaller files.",
    }


def test_api_keeps_uploads_to_their_company(api_client, company_user, other_applicant, freelancer):
    job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), dispatch=False, **BATCH)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(other_applicant)}")
    assert api_client.get(f"/api/v1/bulk-uploads/{job.public_id}/").status_code == 404
    assert api_client.get(f"/api/v1/bulk-uploads/{job.public_id}/errors.csv").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
    response = api_client.post("/api/v1/bulk-uploads/", BATCH | {"file": csv_file(ROWS)}, format="multipart")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "not_company"
    api_client.credentials()
    assert api_client.get("/api/v1/bulk-uploads/").status_code == 401


# The command line


def test_import_ips_registers_a_file_for_a_company_and_writes_the_report(company_user, tmp_path):
    source = tmp_path / "from-email.csv"
    source.write_bytes(csv_file(ROWS).read())
    out, report = io.StringIO(), tmp_path / "errors.csv"
    call_command(
        "import_ips", str(source), "--applicant", "ADMIN@induscode.pk", "--isp", "ptcl", "--errors-out", str(report),
        verbosity=0, stdout=out,
    )  # fmt: skip
    job = BulkUpload.objects.get()
    assert f"Finished: 2 accepted, 1 rejected, registered as {job.registration.reference}." in out.getvalue()
    assert job.file_name == "from-email.csv" and job.isp == "ptcl"
    assert IpEntry.objects.filter(registration=job.registration).count() == 2
    assert "172.16.0.1" in report.read_text(encoding="utf-8-sig")


def test_import_ips_reports_a_zone_id_and_stores_none(company_user, tmp_path):
    source, report = tmp_path / "list.csv", tmp_path / "errors.csv"
    source.write_bytes(csv_file([["fe80::1%eth0", "", "", ""], ["111.68.96.1", "", "", ""]]).read())
    call_command(
        "import_ips", str(source), "--applicant", "admin@induscode.pk", "--errors-out", str(report), verbosity=0,
        stdout=io.StringIO(),
    )  # fmt: skip
    [row] = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert (row["row"], row["column"]) == ("2", "ip")
    assert "ends in a zone id (%eth0)" in row["error"]
    assert [str(entry.network) for entry in IpEntry.objects.all()] == ["111.68.96.1/32"]


def test_import_ips_stores_urdu_digits_in_ascii(company_user, tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file([[urdu_digits("111.68.96.0/28"), "", "", ""]]).read())
    call_command("import_ips", str(source), "--applicant", "admin@induscode.pk", verbosity=0, stdout=io.StringIO())
    assert [str(entry.network) for entry in IpEntry.objects.all()] == ["111.68.96.0/28"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--applicant", "nobody@example.pk"], "No active user with the email nobody@example.pk."),
        (["--applicant", "admin@induscode.pk", "--isp", "other", "--isp-other", " "], "Name your ISP"),
    ],
)
def test_import_ips_explains_what_is_wrong(company_user, tmp_path, arguments, message):
    source = tmp_path / "ips.csv"
    source.write_bytes(csv_file(ROWS).read())
    with pytest.raises(CommandError, match=message):
        call_command("import_ips", str(source), *arguments, verbosity=0)


def test_import_ips_refuses_a_bad_file(company_user, tmp_path):
    source = tmp_path / "ips.csv"
    source.write_text("addresses\n111.68.96.1\n")
    with pytest.raises(CommandError, match="No “ip” column"):
        call_command("import_ips", str(source), "--applicant", "admin@induscode.pk", verbosity=0)


def test_staff_see_uploads_in_the_admin_read_only(client, reviewer, company_user):
    job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), dispatch=False, **BATCH)
    client.force_login(reviewer)
    listing = client.get(reverse("admin:bulk_uploads_bulkupload_changelist")).text
    assert "ips.csv" in listing and "Waiting to start" in listing
    page = client.get(reverse("admin:bulk_uploads_bulkupload_change", args=[job.pk])).text
    assert job.sha256 in page and 'name="_save"' not in page


def test_the_admin_page_of_a_large_registration_shows_the_first_entries_only(
    client, reviewer, company_user, settings, django_capture_on_commit_callbacks
):
    from vpn_records.admin import IpEntryInline

    rows = [[f"111.68.96.{i}", "", "", ""] for i in range(1, IpEntryInline.shown + 11)]
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=csv_file(rows), **BATCH)
    job.refresh_from_db()
    client.force_login(reviewer)
    page = client.get(reverse("admin:vpn_records_registration_change", args=[job.registration_id])).text
    shown = set(re.findall(r"111\.68\.96\.(\d+)\s*</p>", page))
    assert shown == {str(i) for i in range(1, IpEntryInline.shown + 1)}
    assert f"?registration__id__exact={job.registration_id}" in page  # where all of them are


# Markup, and a right-to-left override (U+202E) that would show "gpj.csv" as "vsc.jpg".
HOSTILE_NAME = "<img src=x onerror=alert(1)>\u202egpj.csv"
ESCAPED_IN_BDI = "<bdi>&lt;img src=x onerror=alert(1)&gt;\u202egpj.csv</bdi>"
# In plain text: between FSI and PDI, without its own direction marks.
ISOLATED = "\u2068<img src=x onerror=alert(1)>gpj.csv\u2069"


@pytest.mark.parametrize(
    ("file", "extension"),
    [
        (csv_file(ROWS, name=HOSTILE_NAME), "csv"),
        (csv_file(ROWS, name="../../../etc/cron.d/x.csv"), "csv"),
        (xlsx_file(ROWS, name="workbook-named.csv"), "xlsx"),  # the extension follows the content
    ],
)
def test_an_upload_is_stored_under_a_name_of_ours(company_user, settings, file, extension):
    content = file.read()
    job = bulk.bulk_upload_create(user=company_user, file=file, dispatch=False, **BATCH)
    assert re.fullmatch(rf"bulk-uploads/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", job.file.name)
    assert (settings.MEDIA_ROOT / job.file.name).read_bytes() == content
    assert job.file_name == file.name  # what the user called it, for display


def test_a_hostile_file_name_is_shown_escaped_and_isolated(
    client, company_client, company_user, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS, name=HOSTILE_NAME), **BATCH)
    job.refresh_from_db()

    job_page = company_client.get(job.get_absolute_url()).text
    assert f"<h1>Upload of “{ESCAPED_IN_BDI}”</h1>" in job_page
    assert "<title>\u2068&lt;img src=x onerror=alert(1)&gt;gpj.csv\u2069" in job_page
    uploads_page = company_client.get(reverse("bulk_uploads:new")).text
    registration_page = company_client.get(job.registration.get_absolute_url()).text
    assert ESCAPED_IN_BDI in uploads_page and f"From your upload of “{ESCAPED_IN_BDI}”." in registration_page
    for page in (job_page, uploads_page, registration_page):
        assert "<img src=x" not in page

    client.force_login(reviewer)
    listing = client.get(reverse("admin:bulk_uploads_bulkupload_changelist")).text
    detail = client.get(reverse("admin:bulk_uploads_bulkupload_change", args=[job.pk])).text
    assert ESCAPED_IN_BDI in listing and ESCAPED_IN_BDI in detail
    assert "<img src=x" not in listing and "<img src=x" not in detail
    assert f"\u2068&lt;img src=x onerror=alert(1)&gt;gpj.csv\u2069 ({job.public_id})" in detail  # the breadcrumb


def test_a_hostile_file_name_is_isolated_in_the_notices(company_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS, name=HOSTILE_NAME), **BATCH)
    (email,) = mail.outbox
    assert email.subject == f"Your upload “{ISOLATED}” is processed"
    assert f"We have checked every row of “{ISOLATED}”: 2 accepted, 1 rejected." in email.body
    html = email.alternatives[0][0]
    assert f"We have checked every row of “{ESCAPED_IN_BDI}”" in html and "<img src=x" not in html
    in_app = Notification.objects.get(channel="in_app", event="bulk_upload_finished")
    assert ISOLATED in in_app.subject and ISOLATED in in_app.body_text
    job.refresh_from_db()
    assert job.registration.status_changes.filter(reason=f"Bulk upload of “{ISOLATED}”.").exists()
