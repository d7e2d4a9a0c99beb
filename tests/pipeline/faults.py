"""Streams of intakes posted over HTTP to a real stack while a fault is injected, and the ledger
that proves nothing was lost: every accepted intake screened exactly once, every urgent case
notified.

The client behaves as the API contract asks a partner to: each submission carries its own
``Idempotency-Key`` and is retried with the same key on a 503 or a dropped connection, so a
retry never makes a second intake.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
import requests

from tests.factories import urgent_payload, with_patient
from tests.stack import Stack, wait_until

RETRYABLE_STATUS = {502, 503, 504}


@dataclass
class Submission:
    index: int
    urgent: bool
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: int | None = None
    intake_id: str | None = None
    attempts: int = 0
    seconds: float = 0.0  # from the first attempt to the final answer
    answers: list = field(default_factory=list)  # every status (or exception name) seen

    def payload(self) -> dict:
        patient = {"external_id": f"FAULT-{self.index:04d}", "email": f"p{self.index}@example.org"}
        return urgent_payload(item9=2, **patient) if self.urgent else with_patient(**patient)


class Stream:
    """Posts ``count`` intakes at ``rate`` per second (open loop, a few in flight at once)."""

    def __init__(self, stack: Stack, token: str, count=40, rate=8.0, urgent_every=4):
        self.url = f"{stack.base_url}/api/v1/intakes/"
        self.headers = {"Authorization": f"Token {token}"}
        self.rate = rate
        self.submissions = [Submission(i, urgent=i % urgent_every == 0) for i in range(count)]
        self.started = threading.Event()
        self._sent = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8)
        self._thread = threading.Thread(target=self._schedule, daemon=True)

    @property
    def sent(self) -> int:
        with self._lock:
            return self._sent

    def start(self) -> Stream:
        self._thread.start()
        return self

    def wait_for(self, sent: int, timeout=60.0):
        wait_until(lambda: self.sent >= sent, timeout=timeout, message=f"{sent} submissions sent")

    def _schedule(self):
        t0 = time.monotonic()
        futures = []
        for i, sub in enumerate(self.submissions):
            delay = t0 + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(self._pool.submit(self._submit, sub))
            with self._lock:
                self._sent += 1
        for f in futures:
            f.result()

    def _submit(self, sub: Submission, deadline_s=90.0):
        session = requests.Session()
        first = time.monotonic()
        while time.monotonic() - first < deadline_s:
            sub.attempts += 1
            try:
                r = session.post(
                    self.url,
                    json=sub.payload(),
                    headers={**self.headers, "Idempotency-Key": sub.key},
                    timeout=20,
                )
            except requests.RequestException as exc:  # the server dropped the connection
                sub.answers.append(type(exc).__name__)
                time.sleep(0.5)
                continue
            sub.answers.append(r.status_code)
            if r.status_code in RETRYABLE_STATUS:
                time.sleep(min(float(r.headers.get("Retry-After", 1)), 1.0))
                continue
            sub.status = r.status_code
            if r.status_code >= 400:
                sub.answers.append(r.text[:300])
            if r.status_code in (200, 201):
                sub.intake_id = r.json()["id"]
            break
        sub.seconds = time.monotonic() - first

    def join(self, timeout=180.0):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the stream did not finish"
        self._pool.shutdown(wait=True)

    # -- figures ---------------------------------------------------------------------------------
    def figures(self) -> dict:
        seconds = [s.seconds for s in self.submissions]
        return {
            "submitted": len(self.submissions),
            "urgent": sum(s.urgent for s in self.submissions),
            "accepted": sum(s.status in (200, 201) for s in self.submissions),
            "retried": sum(s.attempts > 1 for s in self.submissions),
            "attempts": sum(s.attempts for s in self.submissions),
            "answers_seen": sorted({str(a) for s in self.submissions for a in s.answers}),
            "submit_p50_s": round(statistics.median(seconds), 3),
            "submit_max_s": round(max(seconds), 3),
        }


class Ledger:
    """What the database says happened, read with plain SQL (no Django in this process)."""

    def __init__(self, database_url: str):
        self.dsn = database_url.replace("postgres://", "postgresql://", 1)

    def _rows(self, sql, params=()):
        with psycopg.connect(self.dsn, connect_timeout=5, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def screened(self, ids) -> int:
        return self._rows(
            "SELECT count(*) FROM screening_screeningrun WHERE status = 'complete' "
            "AND intake_id = ANY(%s::uuid[])",
            (list(ids),),
        )[0][0]

    def notified(self, ids) -> int:
        return self._rows(
            "SELECT count(*) FROM screening_case WHERE urgent AND notified_at IS NOT NULL "
            "AND intake_id = ANY(%s::uuid[])",
            (list(ids),),
        )[0][0]

    def settle(self, stream: Stream, timeout=90.0) -> dict:
        """Wait for every accepted intake to be screened and every urgent case notified, then
        check each was screened exactly once; returns the figures for the test's report."""
        subs = stream.submissions
        unanswered = [(s.index, s.answers) for s in subs if s.status not in (200, 201)]
        assert not unanswered, f"submissions never accepted: {unanswered}"
        ids = [s.intake_id for s in subs]
        assert len(set(ids)) == len(ids), "a retried submission made a second intake"
        urgent = [s.intake_id for s in subs if s.urgent]
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: self.screened(ids) == len(ids), timeout=timeout, interval=0.5)
            wait_until(lambda: self.notified(urgent) == len(urgent), timeout=timeout, interval=0.5)
        settled_s = round(time.monotonic() - started, 1)
        intakes = self._rows(
            "SELECT count(*) FROM intake_intake WHERE id = ANY(%s::uuid[])", (ids,)
        )[0][0]
        assert intakes == len(ids)
        runs = dict(
            self._rows(
                "SELECT intake_id::text, count(*) FROM screening_screeningrun "
                "WHERE intake_id = ANY(%s::uuid[]) GROUP BY intake_id",
                (ids,),
            )
        )
        missing = [i for i in ids if i not in runs]
        assert not missing, f"{len(missing)} intakes never screened"
        assert set(runs.values()) == {1}, "an intake was screened more than once"
        assert self.screened(ids) == len(ids), "a screening run did not complete"
        doubled = self._rows(
            "SELECT intake_id, run_id, code FROM screening_flag WHERE intake_id = ANY(%s::uuid[]) "
            "GROUP BY intake_id, run_id, code HAVING count(*) > 1",
            (ids,),
        )
        assert not doubled, doubled
        assert self.notified(urgent) == len(urgent), "an urgent case was never notified"
        return {"screened": len(runs), "notified": len(urgent), "settled_after_s": settled_s}


class TcpProxy:
    """A loopback TCP proxy that can turn into a hung peer: it keeps accepting connections and
    holding them open, but forwards nothing, until healed."""

    def __init__(self, upstream_port: int = 0):
        self.upstream = ("127.0.0.1", upstream_port)  # may be set once the upstream exists
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.hung = threading.Event()
        self.closing = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                client, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.sockets.append(client)
            if self.hung.is_set():
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                client.close()
                continue
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket):
        src.settimeout(0.2)
        with contextlib.suppress(OSError):
            while not self.closing.is_set():
                if self.hung.is_set():
                    time.sleep(0.05)  # hold the bytes: the peer hears nothing
                    continue
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self):
        self.closing.set()
        for s in [*self.sockets, self.server]:
            with contextlib.suppress(OSError):
                s.close()
