from django.db import migrations

from core.digits import ascii_digits

FIELDS = ("cnic", "authorised_person_cnic", "ntn")


def identity_digits_to_ascii(apps, schema_editor):
    # Before 0004 a CNIC or NTN could be stored with some Urdu or Arabic digits, as typed.
    Applicant = apps.get_model("applicants", "Applicant")
    for field in FIELDS:
        for applicant in Applicant.objects.filter(**{f"{field}__regex": "[\u0660-\u0669\u06f0-\u06f9]"}):
            setattr(applicant, field, ascii_digits(getattr(applicant, field)))
            applicant.save(update_fields=[field])


class Migration(migrations.Migration):
    dependencies = [("applicants", "0003_api_tokens")]

    operations = [migrations.RunPython(identity_digits_to_ascii, migrations.RunPython.noop)]
