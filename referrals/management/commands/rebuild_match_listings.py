"""``manage.py rebuild_match_listings``: matching's listings rebuilt from the directory."""

import time

from django.core.management.base import BaseCommand

from referrals.listings import rebuild_all_listings


class Command(BaseCommand):
    help = (
        "Rebuild every row matching reads (referrals.MatchListing) from the providers, their "
        "licences and payers. The services keep them in step on every write; run this after "
        "changing the directory with raw SQL or QuerySet.update()."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        made = rebuild_all_listings()
        self.stdout.write(f"{made} listings rebuilt in {time.monotonic() - started:.1f} s")
