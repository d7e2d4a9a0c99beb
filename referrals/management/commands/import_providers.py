"""``manage.py import_providers FILE.csv [--dry-run]``: load a provider directory from CSV."""

import csv
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ops.api import error_lines
from referrals.directory_csv import COLUMNS, row_to_payload
from referrals.directory_csv import __doc__ as FORMAT
from referrals.models import Provider
from referrals.serializers import ProviderSerializer
from referrals.services import provider_upsert

BATCH = 500
PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Import providers from a CSV file, idempotently by NPI: every row is validated as the "
        "API validates a provider; good rows are created or updated (unchanged ones are left "
        "alone); each bad row is reported with its line number and reason. --dry-run checks "
        "and reports but changes nothing. Columns: " + ", ".join(COLUMNS) + ". See "
        "referrals/README.md or referrals/sample_providers.csv for the format."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8, header row); - for stdin")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, change nothing"
        )
        parser.add_argument(
            "--columns", action="store_true", help="print the documented columns and exit"
        )

    def handle(self, *args, file, dry_run=False, columns=False, **options):
        if columns:
            self.stdout.write(FORMAT)
            return
        handle = sys.stdin if file == "-" else self._open(file)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        rejected: list[str] = []
        try:
            with handle:
                total = None if file == "-" else self._count_rows(file)
                reader = csv.DictReader(handle)
                self._check_header(reader.fieldnames)
                with transaction.atomic():  # a file that cannot be read imports nothing
                    self._import(reader, counts, rejected, total)
                    if dry_run:
                        transaction.set_rollback(True)
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} is not UTF-8 text (byte {error.start} of a block cannot be decoded); "
                "save it as UTF-8 CSV. Nothing was imported."
            ) from None
        except csv.Error as error:
            raise CommandError(
                f"{file} is not a readable CSV ({error}). Nothing was imported."
            ) from None
        checked = sum(counts.values()) + len(rejected)
        words = (
            ("to create", "to update", "unchanged")
            if dry_run
            else ("created", "updated", "unchanged")
        )
        self.stdout.write(
            f"Checked {checked} rows of {file}: "
            + ", ".join(f"{counts[key]} {word}" for key, word in zip(counts, words, strict=True))
            + f", {len(rejected)} rejected."
        )
        if rejected:
            self.stdout.write("Rejected rows:")
            for line in rejected:
                self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if rejected:
            raise CommandError(
                f"{len(rejected)} rows rejected (listed above); the others were "
                + ("checked." if dry_run else "imported."),
                returncode=1,
            )

    def _open(self, path):
        try:
            return open(path, newline="", encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None

    @staticmethod
    def _count_rows(path) -> int:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)

    @staticmethod
    def _check_header(fieldnames):
        if not fieldnames:
            raise CommandError("The file is empty: expected a header row.")
        names = [name.strip() for name in fieldnames]
        missing = [c for c in COLUMNS if c not in names]
        unknown = [c for c in names if c not in COLUMNS]
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        if problems:
            raise CommandError(
                "Bad header: " + "; ".join(problems) + f". Expected: {','.join(COLUMNS)}"
            )

    def _import(self, reader, counts, rejected, total):
        seen: dict[str, int] = {}
        batch = []
        done = 0
        for row in reader:
            row = {(k or "").strip(): v for k, v in row.items()}
            batch.append((reader.line_num, row))
            if len(batch) >= BATCH:
                done += self._import_batch(batch, seen, counts, rejected)
                batch = []
                self._progress(done, total)
        if batch:
            done += self._import_batch(batch, seen, counts, rejected)
            self._progress(done, total, final=True)

    def _import_batch(self, batch, seen, counts, rejected) -> int:
        npis = [(row.get("npi") or "").strip() for _, row in batch]
        existing = {
            p.npi: p
            # Only well-formed NPIs are looked up (a NUL byte cannot even be sent to PostgreSQL);
            # the others are rejected by the serializer with their reason.
            for p in Provider.objects.filter(
                npi__in=[n for n in npis if n.isascii() and n.isdigit()]
            ).prefetch_related("licenses", "insurance")
        }
        with transaction.atomic():
            for (line, row), npi in zip(batch, npis, strict=True):
                if None in row:  # more cells than the header has columns
                    rejected.append(f"line {line}: more cells than columns")
                    continue
                if npi and npi in seen:
                    rejected.append(f"line {line}: npi: duplicate of line {seen[npi]}")
                    continue
                current = existing.get(npi)
                serializer = ProviderSerializer(instance=current, data=row_to_payload(row))
                if not serializer.is_valid():
                    reasons = "; ".join(e.rstrip(".") for e in error_lines(serializer.errors))
                    rejected.append(f"line {line}: {reasons}")
                    continue
                seen[npi] = line
                _, outcome = provider_upsert(data=serializer.validated_data, existing=current)
                counts[outcome] += 1
        return len(batch)

    def _progress(self, done, total, final=False):
        if total is None or total < PROGRESS_EVERY:
            return
        if final or done % PROGRESS_EVERY < BATCH:
            self.stderr.write(f"  {done:,} / {total:,} rows ({100 * done // max(total, 1)}%)")
