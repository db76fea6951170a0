from django.db import migrations

from core.roles import sync_role_groups

# (applicant kind, purpose, document, required); blank means any. A company shows its incorporation certificate,
# its NTN certificate being optional: "one or the other" is left to the reviewer.
REQUIREMENTS = [
    ("freelancer", "", "cnic_front", True),
    ("freelancer", "", "cnic_back", True),
    ("freelancer", "", "work_proof", True),
    ("company", "", "incorporation", True),
    ("company", "", "ntn_certificate", False),
    ("company", "", "authorisation_letter", True),
    ("", "call_centre", "pseb_certificate", True),
    ("", "banking", "covering_letter", True),
    ("", "embassy", "covering_letter", True),
    ("", "ngo", "covering_letter", True),
]


def seed(apps, schema_editor):
    requirement = apps.get_model("evidence", "DocumentRequirement")
    for applicant_kind, purpose, kind, required in REQUIREMENTS:
        requirement.objects.get_or_create(
            applicant_kind=applicant_kind, purpose=purpose, kind=kind, defaults={"required": required}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        # Every role sees documents; supervisors see who viewed them and set the requirements.
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
