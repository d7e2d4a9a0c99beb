"""manage.py outcomes_report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv]

The HEDIS depression remission-or-response measure's shape over this service's intakes
(screening.outcomes): patients with a PHQ-9 over 9 whose index date falls in the period, and
how many had a PHQ-9 4-8 months later, a response and a remission, by month and by clinician.
Counts only, never a patient. ``--csv`` writes the same CSV as the admin page's export.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from screening.outcomes import outcomes_report, report_csv


def _day(value, option):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date, YYYY-MM-DD") from None


def _pct(value):
    return "—" if value is None else f"{value:.1f} %"


class Command(BaseCommand):
    help = "Depression remission or response (HEDIS shape), by month and by clinician."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="index dates on or after YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="index dates on or before YYYY-MM-DD")
        parser.add_argument("--csv", action="store_true", help="write CSV to standard output")

    def handle(self, *args, start=None, end=None, csv=False, **options):
        start, end = _day(start, "--from"), _day(end, "--to")
        if start and end and start > end:
            raise CommandError("--from must be on or before --to")
        report = outcomes_report(start=start, end=end)
        if csv:
            self.stdout.write(report_csv(report), ending="")
            return
        header = (
            f"{'':<24}{'patients':>9}{'followed':>9}{'response':>9}{'remission':>10}"
            f"{'resp %':>9}{'remis %':>9}"
        )
        for title, rows in (("By month", report.by_month), ("By clinician", report.by_clinician)):
            self.stdout.write(title)
            self.stdout.write(header)
            for row in [*rows, report.total]:
                self.stdout.write(
                    f"{row.group[:23]:<24}{row.patients:>9}{row.followed_up:>9}"
                    f"{row.response:>9}{row.remission:>10}"
                    f"{_pct(row.response_rate):>9}{_pct(row.remission_rate):>9}"
                )
            self.stdout.write("")
