"""``manage.py bench_probe matching|queue``: in-process measurements the HTTP driver cannot make.

Prints one JSON object. Run by the driver against the stack's database (bench only).

* ``matching --token T --intakes ID,ID``: for each intake, the provider-matches endpoint's
  queries (Django's ``CaptureQueriesContext`` around one in-process request), then the same
  SQL alone: every captured statement executed and fetched through the raw psycopg cursor
  (no ORM, no Python matching), median of ``--reps``; and ``EXPLAIN (ANALYZE, BUFFERS)`` of
  the largest one (the candidate prefilter) with its row count.
* ``queue --username U``: the review queue's query count at 25, 50 and 100 rows per page
  (``CaseAdmin.list_per_page``), each after one warm-up request, and a session cookie of
  that clinician for the HTTP measurement through gunicorn.
"""

import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

QUEUE = "/admin/screening/case/"


def run_sql_alone(statements: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: no Django wrapper
        for sql in statements:
            raw.execute(sql)
            if raw.description is not None:
                raw.fetchall()
    return time.perf_counter() - started


def _plan_lines(node, depth=0, out=None) -> list[str]:
    """EXPLAIN ANALYZE's tree, one short line per node (for the JSON)."""
    out = [] if out is None else out
    name = node["Node Type"] + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
    if "Index Name" in node:
        name += f" using {node['Index Name']}"
    out.append(
        f"{'  ' * depth}{name}: {node['Actual Rows']} rows x{node.get('Actual Loops', 1)}, "
        f"{node['Actual Total Time']:.1f} ms"
    )
    for child in node.get("Plans", []):
        _plan_lines(child, depth + 1, out)
    return out


class Command(BaseCommand):
    help = "In-process query counts and SQL timings for the benchmarks (prints JSON)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["matching", "queue"])
        parser.add_argument("--token")
        parser.add_argument("--intakes", default="")
        parser.add_argument("--username")
        parser.add_argument("--reps", type=int, default=7)

    def handle(self, *args, what, **options):
        result = self.matching(options) if what == "matching" else self.queue(options)
        self.stdout.write(json.dumps(result, default=str))

    def matching(self, options) -> dict:
        client = Client(HTTP_AUTHORIZATION=f"Token {options['token']}")
        out = []
        for intake_id in options["intakes"].split(","):
            url = f"/api/v1/intakes/{intake_id}/provider-matches/?limit=10"
            client.get(url)  # warm: connection, caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, response.content[:500]
            statements = [q["sql"] for q in captured.captured_queries]
            sql_times = [run_sql_alone(statements) for _ in range(options["reps"])]
            slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + slowest)
                plan = cursor.fetchone()[0]
                plan = plan if isinstance(plan, list) else json.loads(plan)
            body = response.json()
            out.append(
                {
                    "intake": intake_id,
                    "queries": len(statements),
                    "sql_alone_ms": round(statistics.median(sql_times) * 1000, 2),
                    "slowest_query_explain_ms": round(plan[0]["Execution Time"], 2),
                    "slowest_query_rows": plan[0]["Plan"]["Actual Rows"],
                    "slowest_query_plan": _plan_lines(plan[0]["Plan"]),
                    "eligible": body["count"],
                    "results": len(body["results"]),
                }
            )
        return {"intakes": out}

    def queue(self, options) -> dict:
        from screening.admin import CaseAdmin

        user = get_user_model().objects.get(username=options["username"])
        client = Client()
        client.force_login(user)
        counts, timings = {}, {}
        default = CaseAdmin.list_per_page
        try:
            for rows in (25, 50, 100):
                CaseAdmin.list_per_page = rows
                assert client.get(QUEUE).status_code == 200  # warm
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(QUEUE)
                assert response.status_code == 200
                shown = response.content.decode().count('<th class="field-case_ref">')
                counts[str(rows)] = {"queries": len(captured), "rows_shown": shown}
                times = []
                for _ in range(options["reps"]):
                    started = time.perf_counter()
                    client.get(QUEUE)
                    times.append(time.perf_counter() - started)
                timings[str(rows)] = round(statistics.median(times) * 1000, 1)
                if rows == 25:
                    counts["statements_at_25"] = [q["sql"][:160] for q in captured.captured_queries]
        finally:
            CaseAdmin.list_per_page = default
        session = Client()
        session.force_login(user)
        return {
            "counts": counts,
            "in_process_median_ms": timings,
            "sessionid": session.cookies["sessionid"].value,
        }
