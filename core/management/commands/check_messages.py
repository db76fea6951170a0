"""`manage.py check_messages`: fail when `makemessages` would find a msgid the Urdu catalogue lacks, such as a
string marked through an alias that xgettext cannot see, or one added without running `make messages`."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

MSGID = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)', re.MULTILINE)


def msgids(text: str) -> set[str]:
    return {first + "".join(line[1:-1] for line in rest.splitlines()) for first, rest in MSGID.findall(text)} - {""}


class Command(BaseCommand):
    help = "Fail if makemessages would add a msgid to the Urdu catalogue; the catalogue is left as it was."

    def handle(self, *args, **options):
        catalogue = Path(settings.LOCALE_PATHS[0]) / "ur/LC_MESSAGES/django.po"
        kept = catalogue.read_bytes()
        try:
            call_command("makemessages", locale=["ur"], ignore_patterns=[".venv", "benchmarks"], verbosity=0)
            new = msgids(catalogue.read_text(encoding="utf-8")) - msgids(kept.decode("utf-8"))
        finally:
            catalogue.write_bytes(kept)  # makemessages writes in place: this is a check, not an update
        if new:
            listed = "\n".join(f"  {msgid}" for msgid in sorted(new))
            raise CommandError(f"{len(new)} msgid(s) missing from the Urdu catalogue; run `make messages`:\n{listed}")
        self.stdout.write("The Urdu catalogue holds every msgid.")
