"""Streams of intakes posted over HTTP to a real stack while a fault is injected, and the ledger
that proves nothing was lost: every accepted intake screened exactly once, every urgent case
notified.

The client behaves as the API contract asks a partner to: each submission carries its own
``Idempotency-Key`` and is retried with the same key on a 503 or a dropped connection, so a
retry never makes a second intake.

Two other kinds of urgent answer ride in the same stream (issue 16): a submission the API
rejects (an unlisted drug) whose PHQ-9 item 9 is 2, which must answer 400 with ``safety`` and
an urgent case; and a patient in the web wizard who answers item 9 and the C-SSRS screen on the
mood step and stops there (a draft), who must see the crisis page and get an urgent case. The
ledger proves each such case exists once and was notified. A wizard patient presses again on
a server error or a dropped connection, as a person would.
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

from devstack import Stack, wait_until
from tests.factories import urgent_payload, with_patient
from tests.intake.conftest import form_data, valid_answers

RETRYABLE_STATUS = {502, 503, 504}


#: The wizard's mood step with item 9 = 2 and a low-risk C-SSRS screen (urgent, risk low).
DRAFT_FEELING = {
    **valid_answers("feeling"),
    "phq9__q9": "2",
    "cssrs_shown": "1",
    "cssrs_screen__q1": "true",
    "cssrs_screen__q2": "false",
    "cssrs_screen__q6": "false",
}
SAFETY_PAGE = "/intake/support/now/"


@dataclass
class Submission:
    index: int
    urgent: bool
    kind: str = "intake"  # intake | rejected (an API 400 with risk) | draft (wizard, abandoned)
    case_id: str | None = None  # a rejected submission's urgent case, from its 400
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: int | None = None
    intake_id: str | None = None
    attempts: int = 0
    seconds: float = 0.0  # from the first attempt to the final answer
    answers: list = field(default_factory=list)  # every status (or exception name) seen

    def payload(self) -> dict:
        patient = {"external_id": f"FAULT-{self.index:04d}", "email": f"p{self.index}@example.org"}
        if self.kind == "rejected":
            body = urgent_payload(item9=2, **patient)
            body["treatment_history"]["medication_trials"][0]["medication"] = "sertralin"
            return body
        return urgent_payload(item9=2, **patient) if self.urgent else with_patient(**patient)


class Stream:
    """Posts ``count`` intakes at ``rate`` per second (open loop, a few in flight at once)."""

    def __init__(self, stack: Stack, token: str, count=40, rate=8.0, urgent_every=4):
        self.base_url = stack.base_url
        self.url = f"{stack.base_url}/api/v1/intakes/"
        self.headers = {"Authorization": f"Token {token}"}
        self.rate = rate
        self.submissions = [
            Submission(i, urgent=i % urgent_every == 0, kind=self.kind_of(i, urgent_every))
            for i in range(count)
        ]
        self.started = threading.Event()
        self._sent = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8)
        self._thread = threading.Thread(target=self._schedule, daemon=True)

    @staticmethod
    def kind_of(index: int, urgent_every: int) -> str:
        if index % urgent_every == 0:
            return "intake"
        return {3: "rejected", 7: "draft"}.get(index % 10, "intake")

    def of_kind(self, kind: str) -> list[Submission]:
        return [s for s in self.submissions if s.kind == kind]

    @property
    def intakes(self) -> list[Submission]:
        return self.of_kind("intake")

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
        if sub.kind == "draft":
            return self._draft(sub, deadline_s)
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
            if r.status_code >= 400 and not (sub.kind == "rejected" and r.status_code == 400):
                sub.answers.append(r.text[:300])
            if r.status_code in (200, 201):
                sub.intake_id = r.json()["id"]
            if r.status_code == 400 and sub.kind == "rejected":
                safety = r.json().get("safety") or {}
                sub.case_id = safety.get("case") if safety.get("urgent") else None
            break
        sub.seconds = time.monotonic() - first

    def _draft(self, sub: Submission, deadline_s: float):
        """A patient: consent, about you, the mood step with risk; then closes the browser."""
        session = requests.Session()
        first = time.monotonic()
        steps = [
            ("welcome", valid_answers("welcome")),
            ("about-you", {**valid_answers("about-you"), "email": f"d{sub.index}@example.org"}),
            ("feeling", DRAFT_FEELING),
        ]
        for step, answers in steps:
            while True:
                if time.monotonic() - first > deadline_s:
                    sub.seconds = time.monotonic() - first
                    return
                sub.attempts += 1
                try:
                    url = f"{self.base_url}/intake/questionnaire/{step}/"
                    if "csrftoken" not in session.cookies:
                        session.get(url, timeout=20)
                    data = form_data(step, answers)
                    data["csrfmiddlewaretoken"] = session.cookies.get("csrftoken", "")
                    r = session.post(url, data=data, allow_redirects=False, timeout=20)
                except requests.RequestException as exc:
                    sub.answers.append(type(exc).__name__)
                    time.sleep(0.5)
                    continue
                sub.answers.append(r.status_code)
                if r.status_code >= 500:  # the patient presses again
                    time.sleep(0.5)
                    continue
                break
            if r.status_code != 302:
                sub.status = r.status_code
                sub.answers.append(r.text[:300])
                break
        else:
            sub.status = 302
            if r.headers.get("Location") != SAFETY_PAGE:  # not interrupted: a lost decision
                sub.answers.append(f"redirected to {r.headers.get('Location')}")
                sub.status = None
            # The page after the redirect may meet the outage too: the patient reloads it, as
            # they press a step's button again (the decision itself was made with the step).
            while True:
                try:
                    page = session.get(f"{self.base_url}{SAFETY_PAGE}", timeout=20)
                except requests.RequestException as exc:
                    page = None
                    sub.answers.append(type(exc).__name__)
                else:
                    sub.answers.append(f"page {page.status_code}")
                    if page.status_code < 500:
                        break
                if time.monotonic() - first > deadline_s:
                    break
                time.sleep(0.5)
            if page is None or page.status_code != 200 or "988" not in page.text:
                sub.status = page.status_code if page is not None else None
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
            "rejected_with_risk": len(self.of_kind("rejected")),
            "drafts_with_risk": len(self.of_kind("draft")),
            "accepted": sum(s.status in (200, 201) for s in self.submissions),
            # an API submission sent more than once; a wizard patient who pressed again
            "retried": sum(s.attempts > 1 for s in self.submissions if s.kind != "draft")
            + sum(s.attempts > 3 for s in self.of_kind("draft")),
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

    def safety_cases(self, source: str, *, notified=False) -> int:
        """Urgent cases opened by a safety event of ``source`` (draft, api)."""
        return self._rows(
            "SELECT count(*) FROM screening_case c JOIN screening_safetyevent e "
            "ON e.id = c.safety_event_id WHERE c.urgent AND c.intake_id IS NULL "
            "AND e.source = %s AND (NOT %s OR c.notified_at IS NOT NULL)",
            (source, notified),
        )[0][0]

    def settle(self, stream: Stream, timeout=90.0) -> dict:
        """Wait for every accepted intake to be screened and every urgent case notified, then
        check each was screened exactly once; returns the figures for the test's report."""
        subs = stream.intakes
        unanswered = [(s.index, s.answers) for s in subs if s.status not in (200, 201)]
        assert not unanswered, f"submissions never accepted: {unanswered}"
        rejected, drafts = stream.of_kind("rejected"), stream.of_kind("draft")
        lost = [(s.index, s.answers) for s in rejected if s.status != 400 or not s.case_id]
        assert not lost, f"rejected submissions without their urgent case: {lost}"
        lost = [(s.index, s.answers) for s in drafts if s.status != 302]
        assert not lost, f"drafts that never reached the crisis page: {lost}"
        ids = [s.intake_id for s in subs]
        assert len(set(ids)) == len(ids), "a retried submission made a second intake"
        urgent = [s.intake_id for s in subs if s.urgent]
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: self.screened(ids) == len(ids), timeout=timeout, interval=0.5)
            wait_until(lambda: self.notified(urgent) == len(urgent), timeout=timeout, interval=0.5)
            wait_until(
                lambda: (
                    self.safety_cases("api", notified=True) == len(rejected)
                    and self.safety_cases("draft", notified=True) == len(drafts)
                ),
                timeout=timeout,
                interval=0.5,
            )
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
        # One urgent case per rejected submission and per draft (a retry found its case again),
        # each notified.
        assert len({s.case_id for s in rejected}) == len(rejected)
        assert self.safety_cases("api") == len(rejected), "a rejected submission: not one case"
        assert self.safety_cases("draft") == len(drafts), "a draft with risk: not one case"
        assert self.safety_cases("api", notified=True) == len(rejected), "not notified"
        assert self.safety_cases("draft", notified=True) == len(drafts), "not notified"
        return {
            "screened": len(runs),
            "notified": len(urgent) + len(rejected) + len(drafts),
            "settled_after_s": settled_s,
        }


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
