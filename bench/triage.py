"""Triage benchmark (issue 19): a clinician triages 30 mixed cases in chromium; page loads and
machine seconds per case. ``python -m bench.triage`` (``make bench`` runs it after the main
benchmark); writes ``bench/results/triage.json`` (``BENCH_TRIAGE_OUT`` names another file).

A private stack (devstack: PostgreSQL, Redis, gunicorn, a Celery worker) gets the demo data
(``load_demo``), topped up through the intake service to 10 urgent, 10 possible-TRD and 10
routine open cases; any other open case is dismissed first, so the queue holds just those 30.
The clinician then works the queue top-down: take the case, read it (its flags shown), refer
an urgent or possible-TRD case, close a routine one with a reason, and go on to the next.

The script detects the UI, so the same script measures before and after issue 19's one-step
triage: a "Take" button is used when there is one (on the queue row, else on the case page),
otherwise Acknowledge (when shown), Assign to me and Start review are clicked in turn. After a
refer or close, a browser that landed on another case's page continues there; otherwise it
goes back to the queue. Every page the browser loads (main-frame navigation) is counted against
the case being triaged; seconds are wall-clock machine time (no human reading time).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from devstack import Stack, manage

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PER_KIND = 10
PASSWORD = "demo-pass-2026"  # noqa: S105 - load_demo's demo logins (throwaway stack)
QUEUE = "/admin/screening/case/"

#: Run in the stack (manage.py shell): top the open cases up to PER_KIND of each kind through
#: the intake service, dismiss every other open case, print the counts. The bodies are the demo
#: intakes' (an urgent one, a possible-TRD one, a routine one) with new patient ids.
SEED = """
import copy, json, time
from django.contrib.auth import get_user_model
from demo.intakes import DEMO_INTAKES
from intake.serializers import IntakeSubmissionSerializer
from intake.services import intake_submit
from screening import review
from screening.models import Case, CaseStatus, ROUTINE_PRIORITY
from screening.selectors import cases_with_flag

PER_KIND = {per_kind}
lead = get_user_model().objects.get(username="clinician")
OPEN = [CaseStatus.NEW, CaseStatus.IN_REVIEW]

def kinds():
    open_ = Case.objects.filter(status__in=OPEN)
    urgent = open_.filter(urgent=True)
    trd = cases_with_flag(open_.filter(urgent=False), "possible_trd")
    routine = open_.filter(urgent=False, priority=ROUTINE_PRIORITY)
    return {{"urgent": urgent, "trd": trd, "routine": routine}}

def body_for(kind, n):
    base = copy.deepcopy(DEMO_INTAKES[0][1])
    base["patient"].update(
        external_id=f"BENCH-{{kind}}-{{n}}", email=f"bench-{{kind}}-{{n}}@example.org",
        given_name=f"Bench{{n}}", family_name=kind.capitalize(),
    )
    base["patient"].pop("phone", None)
    if kind == "urgent":
        base["answers"]["phq9"]["q9"] = 2
    if kind == "routine":
        base["answers"] = {{"phq9": {{f"q{{i}}": 0 for i in range(1, 10)}}}}
        base.pop("treatment_history", None)
    return base

for kind in ("urgent", "trd", "routine"):
    have = kinds()[kind].count()
    for n in range(have, PER_KIND):
        serializer = IntakeSubmissionSerializer(data=body_for(kind, n))
        serializer.is_valid(raise_exception=True)
        intake_submit(data=serializer.validated_data, source="web", submitted_by=None)
deadline = time.monotonic() + 120
while time.monotonic() < deadline and min(q.count() for q in kinds().values()) < PER_KIND:
    time.sleep(0.5)  # the worker screens each intake
chosen = set()
for q in kinds().values():
    chosen.update(q.order_by("opened_at").values_list("pk", flat=True)[:PER_KIND])
for case in Case.objects.filter(status__in=OPEN).exclude(pk__in=chosen):
    if case.status == CaseStatus.NEW:
        review.case_start_review(case=case, by=lead)
    review.case_dismiss(case=case, by=lead, reason="Not part of the triage benchmark")
# The throwaway stack's demo cases start untouched, as new submissions would.
Case.objects.filter(pk__in=chosen).update(
    assigned_to=None, acknowledged_at=None, acknowledged_by=None
)
print(json.dumps({{k: q.count() for k, q in kinds().items()}}))
"""


class Counter:
    """Main-frame navigations of one page."""

    def __init__(self, page):
        self.loads = 0
        page.on("framenavigated", self._seen)
        self.page = page

    def _seen(self, frame):
        if frame == self.page.main_frame:
            self.loads += 1


def click_and_wait(page, locator):
    with page.expect_navigation(wait_until="load"):
        locator.click()


def on_case_page(page) -> bool:
    return "/admin/screening/case/" in page.url and page.url.rstrip("/").endswith("/change")


def triage(base_url: str, total: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(f"{base_url}/admin/login/?next={QUEUE}")
        page.fill("#id_username", "clinician")
        page.fill("#id_password", PASSWORD)
        click_and_wait(page, page.locator("input[type=submit]"))
        counter = Counter(page)
        counter.loads = 0
        for _ in range(total):
            started, loads_before = time.perf_counter(), counter.loads
            if not on_case_page(page):
                row = page.locator("#result_list tbody tr").first
                if row.count() == 0:
                    break
                take = row.locator('button[data-action="take"]')
                if take.count():
                    click_and_wait(page, take)
                else:
                    click_and_wait(page, row.locator("th a").first)
            workflow = page.locator("#workflow")
            take = workflow.locator('button[data-action="take"]')
            if take.count():
                click_and_wait(page, take)
            else:
                for action in ("acknowledge", "assign_to_me", "start_review"):
                    button = workflow.locator(f'button[data-action="{action}"]')
                    if button.count():
                        click_and_wait(page, button)
            # Read: the flags and the TRD panel are there.
            page.locator("#flags").wait_for()
            flags = page.locator("#flags [data-flag]").evaluate_all(
                "els => els.map(e => e.dataset.flag)"
            )
            kind = (
                "urgent"
                if "suicide_risk" in flags
                else "trd"
                if "possible_trd" in flags
                else "routine"
            )
            this_case = page.url
            if kind == "routine":
                page.fill("#close-reason", "Routine review: no concern; GP informed.")
                click_and_wait(page, workflow.locator('button[data-action="close"]'))
            else:
                click_and_wait(page, workflow.locator('button[data-action="refer"]'))
            landed_elsewhere = on_case_page(page) and page.url != this_case
            if not landed_elsewhere and not page.url.endswith(QUEUE):
                page.goto(f"{base_url}{QUEUE}")
            rows.append(
                {
                    "kind": kind,
                    "page_loads": counter.loads - loads_before,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
        browser.close()
    return rows


def summarise(rows: list[dict], label: str) -> dict:
    def stats(subset):
        return {
            "cases": len(subset),
            "page_loads_per_case": round(statistics.mean(r["page_loads"] for r in subset), 2),
            "max_page_loads": max(r["page_loads"] for r in subset),
            "seconds_per_case": round(statistics.mean(r["seconds"] for r in subset), 3),
            "max_seconds": max(r["seconds"] for r in subset),
        }

    by_kind = {
        kind: stats([r for r in rows if r["kind"] == kind])
        for kind in ("urgent", "trd", "routine")
        if any(r["kind"] == kind for r in rows)
    }
    return {
        "label": label,
        "target": {"page_loads_per_case": 3, "seconds_per_case": 20},
        "all": stats(rows),
        "by_kind": by_kind,
        "cases": rows,
    }


def main() -> int:
    out = Path(os.environ.get("BENCH_TRIAGE_OUT") or RESULTS / "triage.json")
    label = os.environ.get("BENCH_TRIAGE_LABEL", "after")
    if not os.path.exists(CHROMIUM):
        print("triage benchmark: Debian's chromium is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-triage-") as tmp:
        Path(tmp).chmod(0o755)  # the private PostgreSQL runs as the postgres user
        with Stack(Path(tmp) / "stack") as stack:
            stack.start_servers()
            stack.extra_env["REDIS_URL"] = stack.redis.url(1)
            stack.start_worker(concurrency=1)
            manage(stack.env, "load_demo")
            counts = manage(stack.env, "shell", "-c", SEED.format(per_kind=PER_KIND))
            print("open cases:", counts.strip().splitlines()[-1])
            stack.start_web(workers=1, threads=4)
            rows = triage(stack.base_url, 3 * PER_KIND)
    result = summarise(rows, label)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    a = result["all"]
    print(f"Triage ({label}): {a['cases']} cases")
    print(f"  page loads per case: {a['page_loads_per_case']} (max {a['max_page_loads']})")
    print(f"  machine seconds per case: {a['seconds_per_case']} (max {a['max_seconds']})")
    for kind, s in result["by_kind"].items():
        print(f"  {kind:<8} {s['page_loads_per_case']} loads, {s['seconds_per_case']} s")
    print(f"written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
