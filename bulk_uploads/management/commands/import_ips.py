from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from applicants.models import User
from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload
from core.csv_safety import csv_lines
from core.errors import PortalError
from vpn_records.models import Isp, Purpose, VpnType


class Command(BaseCommand):
    help = (
        "Register a company's list of IP addresses from a CSV or XLSX file, as if they had uploaded it: every row "
        "is checked, the accepted ones registered under one reference, the rejected ones reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV or XLSX with an 'ip' column (and site, vpn_type, notes)")
        parser.add_argument("--applicant", required=True, metavar="EMAIL", help="a user of the company applicant")
        parser.add_argument("--purpose", default=Purpose.IT_EXPORT, choices=Purpose.values)
        parser.add_argument("--purpose-detail", default="Imported by staff from a list the applicant sent.")
        parser.add_argument("--isp", default=Isp.OTHER, choices=Isp.values)
        parser.add_argument("--isp-other", default="Not stated", help="the ISP's name, with --isp other")
        parser.add_argument("--vpn-type", default=VpnType.OTHER, choices=VpnType.values)
        parser.add_argument("--all-or-nothing", action="store_true", help="register nothing if any row has an error")
        parser.add_argument("--errors-out", type=Path, help="write the error report (CSV) here")

    def handle(self, *args, file: Path, applicant: str, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        user = User.objects.filter(email__iexact=applicant, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the email {applicant}.")
        with file.open("rb") as handle:
            try:
                upload = bulk.bulk_upload_create(
                    user=user,
                    file=UploadedFile(handle, name=file.name, size=file.stat().st_size),
                    purpose=options["purpose"],
                    purpose_detail=options["purpose_detail"],
                    isp=options["isp"],
                    isp_other=options["isp_other"],
                    vpn_type=options["vpn_type"],
                    all_or_nothing=options["all_or_nothing"],
                    dispatch=False,
                )
            except PortalError as error:
                raise CommandError(f"{file}: {error.message}") from error
        with tqdm(unit="row", desc=file.name, disable=options["verbosity"] == 0) as bar:

            def progress(job: BulkUpload) -> None:
                bar.total = job.total_rows
                bar.update(job.processed_rows - bar.n)

            bulk.bulk_upload_process(upload_id=upload.pk, progress=progress)
        upload.refresh_from_db()
        if options["errors_out"] and upload.rejected_rows:
            with options["errors_out"].open("wb") as out:
                out.writelines(csv_lines(bulk.error_report_rows(upload)))
        summary = (
            f"{upload.get_state_display()}: {upload.accepted_rows} accepted, {upload.rejected_rows} rejected"
            + (f", registered as {upload.registration.reference}" if upload.registration else "")
            + "."
        )
        if upload.state != BulkUpload.State.COMPLETED:
            raise CommandError(f"{summary} {bulk.failure_message(upload)}")
        self.stdout.write(self.style.SUCCESS(summary))
        if upload.rejected_rows and not options["errors_out"]:
            self.stdout.write("Write the rejected rows with --errors-out FILE, or download them from the upload page.")
