"""``manage.py generate_providers --count N``: a realistic synthetic directory."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from referrals.services import synthetic_directory_generate


class Command(BaseCommand):
    help = (
        "Make a synthetic provider directory for the demo and the benchmarks: states weighted "
        "by population, practices clustered around cities, mixed types, specialties, payers, "
        "availability (some stale, some expired licences). Idempotent: listing i of a seed is "
        "always the same (same NPI), so running again only adds what is missing. Listings are "
        "marked synthetic. Refuses production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="how many listings")
        parser.add_argument("--seed", type=int, default=2026, help="which synthetic directory")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, count, seed, batch_size, **options):
        if settings.PRODUCTION:
            raise CommandError("generate_providers refuses to run with DJANGO_ENV=production")
        if count < 1 or batch_size < 1:
            raise CommandError("--count and --batch-size must be at least 1")

        def progress(done, total):
            if total >= 10_000:
                self.stderr.write(f"  {done:,} / {total:,}")

        created, existing = synthetic_directory_generate(
            count=count, seed=seed, batch_size=batch_size, progress=progress
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} synthetic providers created, {existing} already there (seed {seed})."
            )
        )
