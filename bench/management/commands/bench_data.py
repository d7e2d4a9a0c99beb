"""``manage.py bench_data providers|cases``: bulk benchmark data with set-based SQL (bench only).

* ``providers --to N``: the directory made by ``generate_providers`` (the product's own
  synthetic generator, run first by the driver) is copied until it holds ``N`` listings: each
  copy gets a new id and a new valid NPI, the same practice ZIP (so density grows where
  people live, as a bigger directory would), its licences, payers and matching listings, and
  an opening shifted by 0–13 days. ``INSERT … SELECT`` over a mapping table; NPIs (Luhn check
  digit) are made in Python and loaded with COPY.
* ``cases --count N``: ``N`` more review cases, each cloned from a real case (made through the
  API and screened by the worker earlier in the run) with its patient, intake, screening run
  and flags, under new deterministic ids (``md5(…)::uuid``). Opened over the last two years;
  ``--open-share`` of them are open (new or in review), the rest referred, closed or
  dismissed. Instrument answers and treatment rows are not cloned (the queue never reads them).

Refuses production, like ``generate_providers``.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from referrals.npi import make_npi, npi_problem


def columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def clone(cursor, table: str, source: str, overrides: dict, omit=()) -> int:
    """INSERT INTO table SELECT t.<col> (or an override) FROM <source> (aliased t, m)."""
    cols = [c for c in columns(cursor, table) if c not in omit]
    select = [overrides.get(c, f"t.{c}") for c in cols]
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(select)} FROM {source}"
    )
    return cursor.rowcount


class Command(BaseCommand):
    help = "Bulk benchmark data (set-based SQL): scale the provider directory, clone cases."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["providers", "cases"])
        parser.add_argument("--to", type=int, help="providers: the directory's size afterwards")
        parser.add_argument("--count", type=int, help="cases: how many to add")
        parser.add_argument("--open-share", type=float, default=0.05)

    def handle(self, *args, what, **options):
        if settings.PRODUCTION:
            raise CommandError("bench_data refuses to run with DJANGO_ENV=production")
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            if what == "providers":
                made = self.providers(cursor, options["to"])
            else:
                made = self.cases(cursor, options["count"], options["open_share"])
        with connection.cursor() as cursor:
            # As autovacuum would soon after a bulk load: statistics, and the visibility map
            # that lets matching read its listings from the covering index alone.
            cursor.execute("VACUUM (ANALYZE)")
        self.stdout.write(f"{made} rows in {time.monotonic() - started:.1f} s")

    def providers(self, cursor, target: int) -> int:
        cursor.execute("SELECT count(*) FROM referrals_provider")
        have = cursor.fetchone()[0]
        if have >= target:
            return 0
        cursor.execute("SELECT npi FROM referrals_provider")
        taken = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "CREATE TEMP TABLE clone_map (n int PRIMARY KEY, src uuid, new uuid, npi text) "
            "ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE src_rows ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) "
            "- 1 AS k, id FROM referrals_provider WHERE synthetic"
        )
        cursor.execute("SELECT count(*) FROM src_rows")
        base = cursor.fetchone()[0]
        if not base:
            raise CommandError("no synthetic providers to copy: run generate_providers first")
        need = target - have
        npis, candidate = [], 200_000_000
        while len(npis) < need:
            npi = make_npi(str(candidate))
            candidate += 1
            if npi not in taken:
                npis.append(npi)
        assert npi_problem(npis[0]) is None and npi_problem(npis[-1]) is None
        with cursor.copy("COPY clone_map (n, npi) FROM STDIN") as copy:
            for n, npi in enumerate(npis):
                copy.write_row((n, npi))
        cursor.execute(
            "UPDATE clone_map m SET src = s.id, new = md5('provider-' || m.npi)::uuid "
            f"FROM src_rows s WHERE s.k = m.n % {base}"
        )
        source = "clone_map m JOIN referrals_provider t ON t.id = m.src"
        made = clone(
            cursor,
            "referrals_provider",
            source,
            {
                "id": "m.new",
                "npi": "m.npi",
                "next_available": "t.next_available + (m.n % 14)",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        source = "clone_map m JOIN referrals_license t ON t.provider_id = m.src"
        clone(cursor, "referrals_license", source, {"provider_id": "m.new"}, omit=("id",))
        source = "clone_map m JOIN referrals_providerinsurance t ON t.provider_id = m.src"
        clone(cursor, "referrals_providerinsurance", source, {"provider_id": "m.new"}, omit=("id",))
        source = "clone_map m JOIN referrals_matchlisting t ON t.provider_id = m.src"
        overrides = {
            "provider_id": "m.new",
            "npi": "m.npi",
            "next_available": "t.next_available + (m.n % 14)",
        }
        clone(cursor, "referrals_matchlisting", source, overrides, omit=("id",))
        return made

    def cases(self, cursor, count: int, open_share: float) -> int:
        cursor.execute("SELECT count(*) FROM screening_case")
        start = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE templates ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY "
            "c.id) - 1 AS k, c.id AS case_id, c.intake_id, i.patient_id, r.id AS run_id "
            "FROM screening_case c JOIN intake_intake i ON i.id = c.intake_id "
            "LEFT JOIN screening_screeningrun r ON r.intake_id = i.id"
        )
        cursor.execute("SELECT count(*) FROM templates")
        kinds = cursor.fetchone()[0]
        if not kinds:
            raise CommandError("no cases to clone: submit intakes through the API first")
        every = max(1, round(1 / open_share)) if open_share > 0 else 0
        cursor.execute(
            "CREATE TEMP TABLE clone_map ON COMMIT DROP AS SELECT n, t.*, "
            "md5('patient-' || n)::uuid AS patient, md5('intake-' || n)::uuid AS intake, "
            "md5('run-' || n)::uuid AS run, md5('case-' || n)::uuid AS new_case, "
            # opened within the last two years, spread evenly; decided within 0-9 days
            "now() - make_interval(secs => (n::bigint * 7919) % 63072000) AS at "
            f"FROM generate_series({start}, {start + count - 1}) n "
            f"JOIN templates t ON t.k = n % {kinds}"
        )
        cursor.execute("CREATE INDEX ON clone_map (run_id)")
        cursor.execute("CREATE INDEX ON clone_map (intake_id)")
        cursor.execute("ANALYZE clone_map")
        clone(
            cursor,
            "intake_patient",
            "clone_map m JOIN intake_patient t ON t.id = m.patient_id",
            {
                "id": "m.patient",
                "external_id_index": "NULL",
                "email_index": "NULL",
                "demographic_index": "NULL",
                "created_at": "m.at",
                "updated_at": "m.at",
            },
        )
        clone(
            cursor,
            "intake_intake",
            "clone_map m JOIN intake_intake t ON t.id = m.intake_id",
            {"id": "m.intake", "patient_id": "m.patient", "submitted_at": "m.at"},
        )
        clone(
            cursor,
            "screening_screeningrun",
            "clone_map m JOIN screening_screeningrun t ON t.id = m.run_id",
            {
                "id": "m.run",
                "intake_id": "m.intake",
                "started_at": "m.at",
                "completed_at": "m.at + interval '40 ms'",
            },
        )
        clone(
            cursor,
            "screening_flag",
            "clone_map m JOIN screening_flag t ON t.intake_id = m.intake_id",
            {
                "intake_id": "m.intake",
                "run_id": "CASE WHEN t.run_id IS NULL THEN NULL ELSE m.run END",
                "created_at": "m.at",
            },
            omit=("id",),
        )
        open_case = f"m.n % {every} = 0" if every else "false"
        made = clone(
            cursor,
            "screening_case",
            "clone_map m JOIN screening_case t ON t.id = m.case_id",
            {
                "id": "m.new_case",
                "intake_id": "m.intake",
                "opened_at": "m.at",
                "updated_at": "m.at",
                "status": f"CASE WHEN {open_case} THEN (CASE WHEN m.n % 3 = 0 THEN 'in_review' "
                "ELSE 'new' END) ELSE (ARRAY['referred', 'closed', 'dismissed', 'referred'])"
                "[1 + m.n % 4] END",
                "acknowledged_at": f"CASE WHEN t.urgent AND NOT ({open_case}) "
                "THEN m.at + interval '9 minutes' END",
                "notified_at": "CASE WHEN t.urgent THEN m.at + interval '1 minute' END",
                "status_changed_at": f"CASE WHEN {open_case} AND m.n % 3 <> 0 THEN NULL "
                "ELSE m.at + make_interval(hours => 2 + m.n % 200) END",
            },
        )
        # Each clone's intake is in its case (screening.CaseIntake), as case_for_intake makes it.
        cursor.execute(
            "INSERT INTO screening_caseintake (case_id, intake_id, joined_at) "
            "SELECT m.new_case, m.intake, m.at FROM clone_map m"
        )
        return made
