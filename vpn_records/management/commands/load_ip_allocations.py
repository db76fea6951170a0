from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vpn_records.allocations import DelegationFormatError, allocations_load


class Command(BaseCommand):
    help = "Load an RIR delegated-extended file (e.g. APNIC's), replacing that registry's allocations."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="path to a delegated-extended file")

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        with (
            file.open(encoding="utf-8", errors="replace") as lines,
            tqdm(
                total=file.stat().st_size, unit="B", unit_scale=True, desc=file.name, disable=options["verbosity"] == 0
            ) as bar,
        ):
            try:
                result = allocations_load(lines=_tracked(lines, bar))
            except DelegationFormatError as error:
                raise CommandError(f"{file}: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.blocks} blocks from {result.lines} lines for {', '.join(sorted(result.registries))}"
            )
            + (f"; {result.skipped} lines skipped (free, reserved or malformed)." if result.skipped else ".")
        )
        for problem in result.problems:
            self.stderr.write(f"  {problem}")


def _tracked(lines, bar):
    for line in lines:
        bar.update(len(line.encode()))
        yield line
