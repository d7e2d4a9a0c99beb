"""manage.py screening_replay [--since YYYY-MM-DD] [--apply]

Reports, per flag, which intakes the current ruleset would newly flag or no longer flag
compared with their recorded runs. Writes nothing unless --apply is given.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from screening.replay import apply_replay, replay


class Command(BaseCommand):
    help = "Evaluate the current ruleset over past intakes and compare with recorded runs."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only intakes submitted on or after YYYY-MM-DD")
        parser.add_argument(
            "--apply",
            action="store_true",
            help="write a run of the current ruleset for each intake",
        )
        parser.add_argument(
            "--show", type=int, default=10, help="intake ids listed per flag (default 10)"
        )

    def handle(self, *args, since=None, apply=False, show=10, **options):
        try:
            since = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError("--since must be a date, YYYY-MM-DD") from None
        report = replay(since=since)
        self.stdout.write(
            f"Ruleset {report.ruleset_version}: {report.evaluated} intakes "
            f"evaluated ({report.never_screened} never screened before)."
        )
        if not report.changed_codes:
            self.stdout.write("No flag would change.")
        for code in report.changed_codes:
            new, gone = report.newly_flagged.get(code, []), report.no_longer_flagged.get(code, [])
            self.stdout.write(f"  {code}: +{len(new)} newly flagged, -{len(gone)} no longer")
            for label, ids in (("+", new), ("-", gone)):
                for intake_id in ids[:show]:
                    self.stdout.write(f"      {label} intake {intake_id}")
        if apply:
            written = apply_replay(since=since)
            self.stdout.write(self.style.SUCCESS(f"Applied: {written} new screening runs."))
        else:
            self.stdout.write("Dry run: nothing written (use --apply).")
