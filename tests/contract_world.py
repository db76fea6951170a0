"""Accounts of every token scope, and something for each operation to find, committed for a live server to read.

`python manage.py shell -c "from tests.contract_world import main; main()"` makes them in any database and prints
the tokens, one `scope=key` a line (for `make contract` against a server of your own).
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from bulk_uploads import services as bulk
from evidence.checklist import missing_documents
from evidence.services import document_add
from tests.factories import make_company_user, make_freelancer, make_operator, make_registration, make_staff, token_for
from vpn_records import services

SCOPES = ("applicant", "company", "operator", "staff", "anonymous")


def _pdf() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("deed.pdf", buffer.getvalue(), content_type="application/pdf")


def _submitted(*, user, networks: list[str]):
    """A registration with every document its checklist requires (a PDF each), submitted."""
    registration = make_registration(user=user, networks=networks)
    for kind in missing_documents(registration):
        document_add(registration=registration, user=user, kind=kind, file=_pdf())
    services.registration_submit(registration=registration, user=user)
    return registration


def make_contract_world(*, suffix: str = "") -> dict[str, str]:
    """A token for each scope (empty for `anonymous`): a freelancer and a company user, each with a registration
    under review and an approved one; the company with a finished bulk upload and a document; a `jazz` operator that
    reads both feeds; a reviewer. Tasks run where the caller's Celery configuration sends them."""
    freelancer = make_freelancer(email=f"freelancer{suffix}@contract.example", cnic="3520212345673")
    company_user = make_company_user(email=f"admin{suffix}@contract.example")
    reviewer = make_staff(email=f"reviewer{suffix}@contract.example", role="reviewer")
    for user, networks in [(freelancer, ["111.68.99.10"]), (company_user, ["111.68.96.10", "111.68.96.32/28"])]:
        _submitted(user=user, networks=networks)  # under review once verified
        approved = _submitted(user=user, networks=[networks[0].replace(".10", ".128/25")])
        services.registration_decide(registration=approved, actor=reviewer, approve=True)
    batch = {"purpose": "it_export", "purpose_detail": "Offshore team.", "isp": "nayatel", "vpn_type": "ipsec"}
    upload = SimpleUploadedFile("ips.csv", b"ip\n111.68.97.1\nnot an address\n", content_type="text/csv")
    bulk.bulk_upload_create(user=company_user, file=upload, **batch)
    operator = make_operator(email=f"noc{suffix}@contract.example")
    operator.mobile_operator = "jazz"  # a mobile network's account reads both feeds
    operator.save()
    return {
        "applicant": token_for(freelancer),
        "company": token_for(company_user),
        "operator": token_for(operator),
        "staff": token_for(reviewer),
        "anonymous": "",
    }


def main() -> None:
    from registration_portal.celery import app

    app.conf.task_always_eager = True  # verification and the upload, here and now
    for scope, key in make_contract_world().items():
        print(f"{scope}={key}")
