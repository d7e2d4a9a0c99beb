"""The benchmark driver: ``make bench`` / ``BENCH_QUICK=1 make bench`` (``python -m bench``).

Starts a private stack on loopback (devstack: PostgreSQL 15 with fsync on, redis-server,
gunicorn, Celery worker), measures the five things of docs/performance.md, prints a table
and writes ``bench/results/latest.json`` (quick mode: ``latest-quick.json``), plus a
timestamped copy that git ignores. Everything it started is stopped on exit, failure,
Ctrl-C or SIGTERM. No Django import here: the service is driven from outside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import loadgen
from bench.loadgen import Request, percentile
from bench.payloads import IntakeBodies, bare_body
from devstack import Stack, api_token, descendants, manage, pg_bin, wait_until

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# Deployment shape (Procfile / docker-compose): gunicorn 3 workers x 4 threads, one Celery
# worker with 2 processes, on the same 2 cores as PostgreSQL, Redis and the load generator.
WEB_WORKERS, WEB_THREADS, CELERY_CONCURRENCY = 3, 4, 2
SCALE = {
    # seconds of each measured window, and data sizes
    "floor_s": 6 if QUICK else 20,
    "floor_clients": 24,
    "sustained_rate": 100,
    "sustained_s": 30 if QUICK else 60,
    "flag_rate": 50,
    "flag_s": 10 if QUICK else 30,
    "backlog": 600 if QUICK else 2000,
    "providers_small": 10_000 if QUICK else 100_000,
    "providers_large": 100_000 if QUICK else 1_000_000,
    "cases": 50_000 if QUICK else 1_000_000,
    "matching_rate": 4,
    "matching_s": 10 if QUICK else 30,
    "queue_rate": 4,
    "queue_s": 10 if QUICK else 25,
    "drain_s": 20 if QUICK else 120,  # the longest wait for the worker between phases
}

# Intakes the matching endpoint is measured with: (state, ZIP, payer, care preferences).
MATCH_CASES = [
    (
        "NY",
        "10027",
        "aetna",
        {
            "modality": "either",
            "max_distance_miles": 30,
            "provider_types": ["psychiatrist", "therapist"],
        },
    ),
    ("CA", "90024", "bcbs", {"modality": "telehealth"}),  # the widest request
    ("TX", "77002", "aetna", {"modality": "in_person", "max_distance_miles": 25}),
    ("IL", "60614", "unitedhealthcare", {"modality": "either", "max_distance_miles": 50}),
    ("FL", "33136", "", {"modality": "telehealth", "provider_types": ["psychiatrist"]}),
    ("WA", "98101", "cigna", {"modality": "in_person", "max_distance_miles": 10}),
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- context -------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return {
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024**2, 1),
        "kernel": platform.release(),
        "os": platform.platform(),
    }


def versions(stack: Stack) -> dict:
    def pkg(name):
        with contextlib.suppress(md.PackageNotFoundError):
            return md.version(name)
        return None

    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    return {
        "python": platform.python_version(),
        "django": pkg("Django"),
        "djangorestframework": pkg("djangorestframework"),
        "gunicorn": pkg("gunicorn"),
        "celery": pkg("celery"),
        "psycopg": pkg("psycopg"),
        "postgresql": stack.pg.psql("SHOW server_version"),
        "redis": (re.search(r"v=(\S+)", redis) or [None, redis.strip()])[1],
    }


def fsync_rate(root: Path) -> dict:
    """pg_test_fsync (1 s per test) on the disk holding the benchmark's PostgreSQL data."""
    out = subprocess.run(
        [str(pg_bin() / "pg_test_fsync"), "-s", "1", "-f", str(root / "fsync.test")],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    one_write = out.split("using one 8kB write", 1)[-1].split("Compare", 1)[0]
    rates = {
        m[1]: float(m[2]) for m in re.finditer(r"^\s+(\w+)\s+([\d.]+) ops/sec", one_write, re.M)
    }
    return {
        "tool": "pg_test_fsync -s 1 (one 8kB write, then sync)",
        "ops_per_s": rates,
        "fdatasync_ops_per_s": rates.get("fdatasync"),
        "note": "flushes per second of the disk under the PostgreSQL data directory; "
        "PostgreSQL runs with fsync=on, synchronous_commit=on (wal_sync_method fdatasync)",
    }


def family_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes and every descendant, right now,
    including descendants that have exited since: a process's reaped children are in its
    cutime and cstime, so a PostgreSQL backend or a pool process that ends during a
    measurement still counts (it did not before: PostgreSQL showed 4 % while a worker drained
    a backlog through backends it opened during the run)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in {p for root in pids for p in (root, *descendants(root))}:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


class CpuMeter:
    """CPU used by each part of the stack during a measured window (share of one core)."""

    def __init__(self, stack: Stack):
        self.stack = stack

    def parts(self) -> dict[str, list[int]]:
        pg_pid = int((self.stack.pg.dir / "postmaster.pid").read_text().split()[0])
        parts = {"postgresql": [pg_pid], "redis": [self.stack.redis.proc.pid]}
        for service in self.stack.services:
            if service.proc and service.proc.poll() is None:
                parts.setdefault(service.name.split("-")[0], []).append(service.proc.pid)
        return parts

    def __enter__(self):
        self.t0 = time.monotonic()
        self.before = {name: family_cpu(pids) for name, pids in self.parts().items()}
        self.self0 = _self_cpu()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.t0
        after = {name: family_cpu(pids) for name, pids in self.parts().items()}
        self.result = {
            # max(0, …): PostgreSQL's backends come and go, so its family can shrink
            name: max(0, round(100 * (after[name] - self.before.get(name, 0)) / wall))
            for name in after
        }
        self.result["load generator"] = round(100 * (_self_cpu() - self.self0) / wall)


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


# --- helpers -------------------------------------------------------------------------------


def figure(key, value, unit, target=None, passed=None, **extra) -> dict:
    return {"id": key, "value": value, "unit": unit, "target": target, "pass": passed, **extra}


def ids_from(outcomes) -> list[str]:
    found = []
    for o in outcomes:
        if 200 <= o.status < 300 and o.body:
            with contextlib.suppress(ValueError, KeyError):
                found.append(json.loads(o.body)["id"])
    return found


def latency_ms(values) -> dict:
    return {
        "n": len(values),
        "p50": _r(percentile(values, 50)),
        "p95": _r(percentile(values, 95)),
        "p99": _r(percentile(values, 99)),
        "max": _r(max(values) if values else None),
    }


def _r(v):
    return None if v is None else round(v, 2)


class Bench:
    def __init__(self, root: Path):
        self.root = root
        self.stack = Stack(
            root / "stack",
            env={
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                # A deployment knob: the partner's per-user API rate (default 1200/min) would
                # throttle the load generator's single user.
                "API_THROTTLE_USER": "1000000/min",
                "LOG_LEVEL": "INFO",
                "SWEEP_INTERVAL_SECONDS": "3600",
            },
        )
        self.stack.pg.fsync = True  # production-like durability: every commit is flushed
        self.stack.extra_env["REDIS_URL"] = self.stack.redis.url(1)
        self.figures: list[dict] = []
        self.details: dict = {}
        self.bodies = IntakeBodies(f"{int(time.time())}")
        self.counter = 0

    # --- stack ----------------------------------------------------------------------------

    def start(self):
        log("starting PostgreSQL (fsync on), Redis, migrating")
        self.stack.start_servers(migrate=False)
        pg = self.stack.pg
        pg.psql("ALTER SYSTEM SET shared_buffers = '1GB'")  # the default 128 MB; 24 GB RAM here
        pg.psql("ALTER SYSTEM SET effective_cache_size = '8GB'")
        pg.restart()
        manage(self.stack.env, "migrate", "--noinput", "-v", "0")
        self.coordinator = api_token(self.stack.env, "bench-coordinator", "INTAKE_COORDINATOR")
        self.clinician = api_token(self.stack.env, "bench-clinician", "CLINICIAN")
        log(
            f"starting gunicorn ({WEB_WORKERS} workers x {WEB_THREADS} threads) and a Celery "
            f"worker (concurrency {CELERY_CONCURRENCY})"
        )
        self.stack.start_web(workers=WEB_WORKERS, threads=WEB_THREADS)
        self.worker = self.stack.start_worker(concurrency=CELERY_CONCURRENCY)

    def sql(self, query: str) -> str:
        return self.stack.pg.psql(query, db="trd")

    def unscreened(self) -> int:
        return int(self.sql("SELECT count(*) FROM intake_intake WHERE status = 'received'"))

    def wait_screened(self, phase: str, timeout: float | None = None) -> int:
        """Wait (bounded) until the worker has screened every intake; the backlog left over."""
        timeout = SCALE["drain_s"] if timeout is None else timeout
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: self.unscreened() == 0, timeout=timeout, interval=0.5)
        left = self.unscreened()
        if left:
            log(f"  {left} intakes still unscreened {timeout:.0f} s after {phase}; going on")
        self.details.setdefault("backlog_left_after", {})[phase] = left
        return left

    def auth(self, token):
        return {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def intake_request(self, i: int) -> Request:
        return Request(
            "POST",
            "/api/v1/intakes/",
            self.auth(self.coordinator),
            self.bodies.body(self.counter + i),
        )

    def bare_request(self, i: int) -> Request:
        return Request("POST", "/bench/bare/", self.auth(self.coordinator), bare_body(i))

    def advance(self, result):
        self.counter += result.requested + 1_000_000  # the next run's patients are new ones

    # --- 1. intake API against the floor --------------------------------------------------

    def floor(self):
        s = SCALE
        base = self.stack.base_url
        log("warm-up (both endpoints)")
        for make in (self.bare_request, self.intake_request):
            r = loadgen.closed_loop(base, make, concurrency=8, duration=2, warmup=1)
            self.advance(r)
        self.wait_screened("warm-up")
        runs = {}
        for name, make in (("bare", self.bare_request), ("intake", self.intake_request)):
            log(f"saturating {name}: {s['floor_clients']} clients, {s['floor_s']} s")
            with CpuMeter(self.stack) as cpu:
                r = loadgen.closed_loop(
                    base, make, concurrency=s["floor_clients"], duration=s["floor_s"], warmup=3
                )
            self.advance(r)
            runs[name] = {**r.summary(), "cpu_pct_of_one_core": cpu.result}
            log(
                f"  {name}: {runs[name]['achieved_rps']} req/s, errors {r.errors}, cpu {cpu.result}"
            )
            self.wait_screened(f"saturating {name}")
        bare, intake = runs["bare"]["achieved_rps"], runs["intake"]["achieved_rps"]
        ratio = round(intake / bare, 3) if bare else None
        model = runs["intake"]["arrival_model"]
        self.figures += [
            figure(
                "bare_endpoint_throughput",
                bare,
                "requests/s",
                arrival_model=model,
                errors=runs["bare"]["errors"],
            ),
            figure(
                "intake_throughput",
                intake,
                "requests/s",
                arrival_model=model,
                errors=runs["intake"]["errors"],
            ),
            figure(
                "intake_floor_ratio",
                ratio,
                "ratio",
                "≥ 0.5 (aim 0.7)",
                ratio is not None and ratio >= 0.5,
            ),
        ]
        self.details["floor"] = runs

    # --- 2. sustained load ------------------------------------------------------------------

    def sustained(self):
        s = SCALE
        log(f"open loop: {s['sustained_rate']} intakes/s for {s['sustained_s']} s")
        with CpuMeter(self.stack) as cpu:
            r = loadgen.open_loop(
                self.stack.base_url,
                self.intake_request,
                rate=s["sustained_rate"],
                duration=s["sustained_s"],
            )
        self.advance(r)
        summary = {**r.summary(), "cpu_pct_of_one_core": cpu.result}
        log(
            f"  p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, errors {r.errors}, "
            f"cpu {cpu.result}"
        )
        self.wait_screened("sustained")
        model = summary["arrival_model"]
        self.figures += [
            figure(
                "sustained_errors",
                r.errors,
                "requests",
                "0",
                r.errors == 0,
                arrival_model=model,
                requests=len(r.outcomes),
            ),
            figure(
                "sustained_p50",
                summary["p50_ms"],
                "ms",
                "≤ 25",
                summary["p50_ms"] is not None and summary["p50_ms"] <= 25,
                arrival_model=model,
            ),
            figure(
                "sustained_p99",
                summary["p99_ms"],
                "ms",
                "≤ 250",
                summary["p99_ms"] is not None and summary["p99_ms"] <= 250,
                arrival_model=model,
            ),
        ]
        self.details["sustained"] = summary

    # --- 3. submit-to-flag and worker throughput ------------------------------------------

    def submit_to_flag(self):
        s = SCALE
        log(f"open loop: {s['flag_rate']} intakes/s for {s['flag_s']} s (submit-to-flag)")
        r = loadgen.open_loop(
            self.stack.base_url, self.intake_request, rate=s["flag_rate"], duration=s["flag_s"]
        )
        self.advance(r)
        ids = ids_from(r.outcomes)
        self.wait_screened("submit-to-flag", timeout=max(SCALE["drain_s"], 60))
        delays = self.flag_delays(ids)
        stats = latency_ms(delays)
        log(f"  submit-to-flag p50 {stats['p50']} ms, p99 {stats['p99']} ms (n={stats['n']})")
        model = r.summary()["arrival_model"]
        how = (
            "ScreeningRun.completed_at - Intake.submitted_at, read from the database after "
            "the run (both stamped just before their transactions commit)"
        )
        self.figures += [
            figure(
                "submit_to_flag_p50",
                stats["p50"],
                "ms",
                "≤ 50",
                stats["p50"] is not None and stats["p50"] <= 50,
                arrival_model=model,
                measured=how,
            ),
            figure(
                "submit_to_flag_p99",
                stats["p99"],
                "ms",
                "≤ 500",
                stats["p99"] is not None and stats["p99"] <= 500,
                arrival_model=model,
                measured=how,
            ),
        ]
        self.details["submit_to_flag"] = {
            "http": r.summary(),
            "delay_ms": stats,
            "screened": len(delays),
            "submitted": len(ids),
        }

    def load_ids(self, table: str, ids: list[str]) -> None:
        """The ids into a one-column table (psql \\copy), to join on in the database."""
        (self.root / "ids.txt").write_text("\n".join(ids) + "\n")
        self.sql(f"CREATE TABLE IF NOT EXISTS {table} (id uuid PRIMARY KEY)")
        self.sql(f"TRUNCATE {table}")
        self.sql(f"\\copy {table} FROM '{self.root / 'ids.txt'}'")

    def flag_delays(self, ids: list[str]) -> list[float]:
        if not ids:
            return []
        self.load_ids("bench_flag_ids", ids)
        out = self.sql(
            "SELECT extract(epoch FROM r.completed_at - i.submitted_at) * 1000 "
            "FROM bench_flag_ids b JOIN intake_intake i ON i.id = b.id "
            "JOIN screening_screeningrun r ON r.intake_id = i.id WHERE r.status = 'complete'"
        )
        return [float(x) for x in out.split()]

    def worker_throughput(self):
        s = SCALE
        log(f"worker throughput: stop the worker, submit a backlog of {s['backlog']}, restart")
        self.worker.stop()
        self.stack.services.remove(self.worker)
        submitted = []
        while len(submitted) < s["backlog"]:
            r = loadgen.closed_loop(
                self.stack.base_url, self.intake_request, concurrency=16, duration=5, warmup=0
            )
            self.advance(r)
            submitted += ids_from(r.outcomes)
        self.load_ids("bench_backlog", submitted)
        t0 = time.monotonic()
        with CpuMeter(self.stack) as cpu:
            self.worker = self.stack.start_worker(concurrency=CELERY_CONCURRENCY, name="worker-2")
            self.wait_screened("worker backlog", timeout=300)
        drained = time.monotonic() - t0
        span, n = self.sql(
            "SELECT extract(epoch FROM max(r.completed_at) - min(r.completed_at)), count(*) "
            "FROM screening_screeningrun r JOIN bench_backlog b ON b.id = r.intake_id "
            "WHERE r.status = 'complete'"
        ).split("|")
        rate = round(int(n) / float(span), 1) if float(span) else None
        log(f"  {n} screenings in {float(span):.1f} s: {rate}/s (cpu {cpu.result})")
        self.figures.append(
            figure(
                "worker_throughput",
                rate,
                "screenings/s",
                "≥ 100",
                rate is not None and rate >= 100,
                measured=f"a backlog of {n} queued intakes drained by one worker "
                f"(concurrency {CELERY_CONCURRENCY}): count / (last - first completed_at)",
            )
        )
        self.details["worker_throughput"] = {
            "screened": int(n),
            "span_s": float(span),
            "wall_incl_start_s": round(drained, 1),
            "cpu_pct_of_one_core": cpu.result,
        }

    # --- 4. matching ------------------------------------------------------------------------

    def matching_intakes(self) -> list[str]:
        from bench.payloads import realistic_intake

        ids = []
        for n, (state, zip_code, payer, prefs) in enumerate(MATCH_CASES):
            payload = realistic_intake(n, f"match-{self.counter}")
            payload["patient"].update(
                state=state, postal_code=zip_code, insurance={"payer": payer, "self_pay": not payer}
            )
            payload["answers"]["phq9"]["q9"] = 0
            payload["care_preferences"] = {**prefs, "languages": ["en"]}
            body = json.dumps(payload).encode()
            [o] = loadgen.sequential(
                self.stack.base_url,
                [Request("POST", "/api/v1/intakes/", self.auth(self.coordinator), body)],
            )
            assert o.status == 201, o.body[:300]
            ids.append(json.loads(o.body)["id"])
        self.wait_screened("matching intakes", timeout=60)
        return ids

    def matching(self, intake_ids: list[str], providers: int, target_p95: float, label: str):
        s = SCALE
        reqs = [
            Request(
                "GET",
                f"/api/v1/intakes/{i}/provider-matches/?limit=10",
                {"Authorization": f"Token {self.clinician}"},
            )
            for i in intake_ids
        ]
        loadgen.sequential(self.stack.base_url, reqs * 2)  # warm every gunicorn worker a bit
        log(
            f"matching at {providers:,} providers: open loop {s['matching_rate']}/s for "
            f"{s['matching_s']} s over {len(reqs)} intakes"
        )
        r = loadgen.open_loop(
            self.stack.base_url,
            lambda i: reqs[i % len(reqs)],
            rate=s["matching_rate"],
            duration=s["matching_s"],
            conns=8,
        )
        summary = r.summary()
        per_intake = {}
        for k, intake_id in enumerate(intake_ids):
            values = [
                o.latency * 1000
                for i, o in enumerate(r.outcomes)
                if i % len(reqs) == k and 200 <= o.status < 300
            ]
            per_intake[intake_id] = latency_ms(values)
        probe = json.loads(
            manage(
                self.stack.env,
                "bench_probe",
                "matching",
                "--token",
                self.clinician,
                "--intakes",
                ",".join(intake_ids),
            )
        )
        for item in probe["intakes"]:
            http = per_intake[item["intake"]]
            item["endpoint_p50_ms"] = http["p50"]
            item["endpoint_p95_ms"] = http["p95"]
            item["endpoint_to_sql_ratio"] = (
                round(http["p50"] / item["sql_alone_ms"], 2) if item["sql_alone_ms"] else None
            )
            case = MATCH_CASES[intake_ids.index(item["intake"])]
            item["request"] = f"{case[0]} {case[1]}, {case[3]['modality']}, {case[2] or 'self-pay'}"
        sql_total = statistics.median(i["sql_alone_ms"] for i in probe["intakes"])
        endpoint_p50 = summary["p50_ms"]
        counts = sorted({i["queries"] for i in probe["intakes"]})
        log(
            f"  p50 {endpoint_p50} ms, p95 {summary['p95_ms']} ms, SQL alone median "
            f"{sql_total} ms, queries {counts}, errors {r.errors}"
        )
        model = summary["arrival_model"]
        self.figures += [
            figure(
                f"matching_{label}_p95",
                summary["p95_ms"],
                "ms",
                f"≤ {target_p95:g}",
                summary["p95_ms"] is not None and summary["p95_ms"] <= target_p95 and not r.errors,
                arrival_model=model,
                providers=providers,
                errors=r.errors,
            ),
            figure(
                f"matching_{label}_p50",
                endpoint_p50,
                "ms",
                providers=providers,
                arrival_model=model,
            ),
            figure(
                f"matching_{label}_sql_alone_p50",
                round(sql_total, 2),
                "ms",
                providers=providers,
                measured="every query of one request re-run through the raw psycopg cursor "
                "and fetched; median over the intakes of each intake's median of 7",
            ),
            figure(
                f"matching_{label}_endpoint_to_sql_ratio",
                round(endpoint_p50 / sql_total, 2) if sql_total else None,
                "ratio",
                providers=providers,
            ),
            figure(
                f"matching_{label}_queries",
                counts[0] if len(counts) == 1 else counts,
                "queries/request",
                providers=providers,
            ),
        ]
        self.details[f"matching_{label}"] = {"http": summary, "intakes": probe["intakes"]}
        return {i["intake"]: i["queries"] for i in probe["intakes"]}

    def providers(self, count: int, base: int | None = None):
        started = time.monotonic()
        if base:
            log(f"generate_providers --count {base:,} (the product's synthetic generator)")
            manage(self.stack.env, "generate_providers", "--count", str(base))
        if count > (base or 0):
            log(f"bench_data providers --to {count:,} (set-based copies)")
            manage(self.stack.env, "bench_data", "providers", "--to", str(count))
        took = round(time.monotonic() - started, 1)
        stats = self.sql(
            "SELECT (SELECT count(*) FROM referrals_provider), (SELECT count(*) "
            "FROM referrals_license), (SELECT count(*) FROM "
            "referrals_providerinsurance)"
        ).split("|")
        self.details.setdefault("data", {})[f"providers_{count}"] = {
            "providers": int(stats[0]),
            "licences": int(stats[1]),
            "payer_rows": int(stats[2]),
            "generate_s": took,
        }
        log(
            f"  {int(stats[0]):,} providers, {int(stats[1]):,} licences, "
            f"{int(stats[2]):,} payer rows in {took} s"
        )

    # --- 5. admin review queue ------------------------------------------------------------

    def queue(self):
        s = SCALE
        have = int(self.sql("SELECT count(*) FROM screening_case"))
        started = time.monotonic()
        log(f"bench_data cases: {have:,} real cases cloned up to {s['cases']:,}")
        manage(self.stack.env, "bench_data", "cases", "--count", str(s["cases"] - have))
        cases, open_cases = self.sql(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'in_review')) "
            "FROM screening_case"
        ).split("|")
        self.details.setdefault("data", {})["cases"] = {
            "cases": int(cases),
            "open": int(open_cases),
            "templates": have,
            "generate_s": round(time.monotonic() - started, 1),
        }
        log(
            f"  {int(cases):,} cases ({int(open_cases):,} open) in "
            f"{time.monotonic() - started:.1f} s"
        )
        probe = json.loads(
            manage(self.stack.env, "bench_probe", "queue", "--username", "bench-clinician")
        )
        counts = probe["counts"]
        headers = {"Cookie": f"sessionid={probe['sessionid']}"}
        req = Request("GET", "/admin/screening/case/", headers)
        warm = loadgen.sequential(self.stack.base_url, [req] * 6)
        assert all(o.status == 200 for o in warm), [o.status for o in warm]
        assert b"field-case_ref" in warm[-1].body, "the queue shows no cases"
        log(f"queue over HTTP: open loop {s['queue_rate']}/s for {s['queue_s']} s")
        r = loadgen.open_loop(
            self.stack.base_url, lambda i: req, rate=s["queue_rate"], duration=s["queue_s"], conns=8
        )
        summary = r.summary()
        q25, q100 = counts["25"]["queries"], counts["100"]["queries"]
        log(
            f"  p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, queries 25 -> {q25}, "
            f"100 -> {q100}, errors {r.errors}"
        )
        model = summary["arrival_model"]
        self.figures += [
            figure(
                "queue_p50",
                summary["p50_ms"],
                "ms",
                "≤ 200",
                summary["p50_ms"] is not None and summary["p50_ms"] <= 200 and not r.errors,
                arrival_model=model,
                cases=int(cases),
                rows_per_page=50,
            ),
            figure(
                "queue_p95",
                summary["p95_ms"],
                "ms",
                "≤ 300",
                summary["p95_ms"] is not None and summary["p95_ms"] <= 300 and not r.errors,
                arrival_model=model,
                cases=int(cases),
                rows_per_page=50,
            ),
            figure(
                "queue_queries_25_rows",
                q25,
                "queries/page",
                "≤ 8, same at 100 rows",
                q25 <= 8 and q25 == q100,
            ),
            figure(
                "queue_queries_100_rows",
                q100,
                "queries/page",
                "≤ 8, same at 25 rows",
                q100 <= 8 and q25 == q100,
            ),
        ]
        probe.pop("sessionid")
        self.details["queue"] = {"http": summary, **probe}

    # --- all -------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.monotonic()
        context = {"machine": machine()}
        log("pg_test_fsync (about 15 s)")
        context["disk"] = fsync_rate(self.root)
        self.start()
        context["versions"] = versions(self.stack)
        match_ids = self.matching_intakes()
        self.floor()
        self.sustained()
        self.submit_to_flag()
        self.worker_throughput()
        s = SCALE
        self.providers(s["providers_small"], base=s["providers_small"])
        small = self.matching(match_ids, s["providers_small"], 50, "small")
        self.providers(s["providers_large"])
        large = self.matching(match_ids, s["providers_large"], 150, "large")
        self.figures.append(
            figure(
                "matching_query_count_constant",
                small == large,
                "bool",
                "each intake: the same count at both scales",
                small == large,
                counts_per_intake=large,
                note="9 queries when there are matches, 6 when none (no provider rows to read)",
            )
        )
        self.queue()
        return {
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": "quick" if QUICK else "full",
            "wall_s": round(time.monotonic() - started, 1),
            **context,
            "setup": {
                "gunicorn": f"{WEB_WORKERS} workers x {WEB_THREADS} threads (gthread), "
                "config.wsgi under bench.settings",
                "celery": f"one worker, prefork, concurrency {CELERY_CONCURRENCY}",
                "postgresql": "private cluster (initdb), fsync=on, synchronous_commit=on, "
                "shared_buffers=1GB, effective_cache_size=8GB, max_connections=200",
                "redis": "private redis-server (broker db 0, cache db 1), no persistence",
                "network": "loopback only",
                "load_generator": "bench/loadgen.py: asyncio, hand-written HTTP/1.1 keep-alive "
                "client in the driver's process, sharing the same 2 CPUs",
                "scale": SCALE,
                "order": "matching intakes, floor, sustained, submit-to-flag, worker backlog, "
                "matching small, matching large, review queue",
            },
            "figures": self.figures,
            "details": self.details,
        }


def table(result: dict) -> str:
    rows = [("figure", "value", "unit", "target", "result")]
    for f in result["figures"]:
        value = f["value"]
        if isinstance(value, float):
            value = f"{value:,.2f}".rstrip("0").rstrip(".")
        verdict = "" if f["pass"] is None else ("pass" if f["pass"] else "MISS")
        rows.append((f["id"], str(value), f["unit"], f["target"] or "", verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="trd-bench-"))
    root.chmod(0o755)  # the private PostgreSQL runs as the postgres user
    bench = Bench(root)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    ok = False
    try:
        result = bench.run()
        ok = True
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        log("stopping everything the benchmark started")
        bench.stack.stop()
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            log(f"logs kept in {root}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, default=str) + "\n"
    name = "latest-quick.json" if QUICK else "latest.json"
    (RESULTS / name).write_text(text)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}-{result['mode']}.json").write_text(text)
    print()
    print(
        f"{result['mode']} run, {result['wall_s']} s, {result['machine']['cpu_model']}, "
        f"{result['machine']['cpus']} CPUs"
    )
    print(table(result))
    print(f"\nwritten: bench/results/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
