"""``manage.py export_providers [--output FILE]``: the directory as CSV (import's format)."""

import csv
import sys

from django.core.management.base import BaseCommand

from referrals.directory_csv import COLUMNS, provider_to_row
from referrals.models import Provider


class Command(BaseCommand):
    help = (
        "Write every provider as CSV in import_providers' format (columns: "
        + ", ".join(COLUMNS)
        + "), ordered by NPI."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file to write; - for stdout")
        parser.add_argument(
            "--synthetic",
            choices=["include", "exclude", "only"],
            default="include",
            help="generated demo listings",
        )

    def handle(self, *args, output="-", synthetic="include", **options):
        providers = Provider.objects.prefetch_related("licenses", "insurance").order_by("npi")
        if synthetic == "exclude":
            providers = providers.filter(synthetic=False)
        elif synthetic == "only":
            providers = providers.filter(synthetic=True)
        handle = sys.stdout if output == "-" else open(output, "w", newline="", encoding="utf-8")  # noqa: SIM115
        try:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            count = 0
            for provider in providers.iterator(chunk_size=2000):
                writer.writerow(provider_to_row(provider))
                count += 1
        finally:
            if handle is not sys.stdout:
                handle.close()
        if output != "-":
            self.stdout.write(f"Wrote {count} providers to {output}.")
