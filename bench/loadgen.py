"""A small HTTP/1.1 load generator: asyncio streams, keep-alive connections, no dependencies.

Two arrival models:

* ``open_loop(rate, duration)``: request ``i`` is *scheduled* at ``t0 + i / rate`` whatever
  happened to earlier requests, and its latency is measured from that scheduled time, not from
  when it was sent. A slow server therefore shows up as latency (requests queue for a free
  connection) instead of silently lowering the arrival rate: no coordinated omission.
* ``closed_loop(concurrency, duration)``: ``concurrency`` clients each send the next request
  as soon as the previous answer arrived; completions per second in the measured window is
  the saturating throughput.

The client is deliberately minimal (hand-written request bytes, Content-Length or chunked
responses) so it costs little of the two CPUs it shares with the server; its own CPU time
is reported with every result.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Outcome:
    status: int  # 0: connection error or timeout
    latency: float  # seconds
    body: bytes = b""


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _ensure(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, req: Request) -> tuple[int, bytes]:
        await self._ensure()
        head = [f"{req.method} {req.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(req.body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + req.body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(chunks)
        else:  # no framing: the body runs to the end of the connection
            body = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body


class Pool:
    """Up to ``size`` keep-alive connections; a request waits for a free one."""

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port = host, port
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(Connection(host, port))

    async def send(self, req: Request, timeout: float) -> tuple[int, bytes]:
        conn = await self.idle.get()
        try:
            return await asyncio.wait_for(conn.send(req), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            conn.close()
            raise
        finally:
            self.idle.put_nowait(conn)

    def close(self):
        while not self.idle.empty():
            self.idle.get_nowait().close()


@dataclass
class RunResult:
    model: str
    requested: int
    outcomes: list[Outcome]
    wall: float
    loadgen_cpu: float  # CPU seconds used by this process during the run
    keep: Callable | None = None

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if 200 <= o.status < 300]

    @property
    def errors(self) -> int:
        return len(self.outcomes) - len(self.ok)

    def latencies_ms(self) -> list[float]:
        return [o.latency * 1000 for o in self.ok]

    def summary(self) -> dict:
        lat = self.latencies_ms()
        statuses: dict[str, int] = {}
        for o in self.outcomes:
            statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
        return {
            "arrival_model": self.model,
            "requests": len(self.outcomes),
            "ok": len(self.ok),
            "errors": self.errors,
            "statuses": statuses,
            "wall_s": round(self.wall, 3),
            "achieved_rps": round(len(self.ok) / self.wall, 1) if self.wall else None,
            "p50_ms": _r(percentile(lat, 50)),
            "p95_ms": _r(percentile(lat, 95)),
            "p99_ms": _r(percentile(lat, 99)),
            "max_ms": _r(max(lat) if lat else None),
            "loadgen_cpu_pct_of_one_core": round(100 * self.loadgen_cpu / self.wall, 1)
            if self.wall
            else None,
        }


def _r(value):
    return None if value is None else round(value, 2)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


async def _open_loop(host, port, make: Callable[[int], Request], rate, duration, conns, timeout):
    pool = Pool(host, port, conns)
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    outcomes: list[Outcome | None] = [None] * total

    async def one(i: int, scheduled: float):
        req = make(i)
        try:
            status, body = await pool.send(req, timeout)
        except Exception:
            status, body = 0, b""
        outcomes[i] = Outcome(status, loop.time() - scheduled, body)

    cpu0 = _cpu()
    t0 = loop.time() + 0.05
    tasks = []
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    wall = loop.time() - t0
    pool.close()
    return RunResult(
        f"open loop: fixed arrival rate {rate}/s for {duration} s, latency from the scheduled "
        f"send time (no coordinated omission), up to {conns} keep-alive connections",
        total,
        outcomes,
        wall,
        _cpu() - cpu0,
    )


async def _closed_loop(host, port, make, concurrency, duration, warmup, timeout):
    loop = asyncio.get_running_loop()
    outcomes: list[Outcome] = []
    counter = iter(range(10**9))
    start = loop.time()
    measure_from = start + warmup
    stop_at = measure_from + duration

    async def client():
        conn = Connection(host, port)
        try:
            while loop.time() < stop_at:
                req = make(next(counter))
                sent = loop.time()
                try:
                    status, body = await asyncio.wait_for(conn.send(req), timeout)
                except Exception:
                    conn.close()
                    status, body = 0, b""
                done = loop.time()
                if measure_from <= sent and done <= stop_at:
                    outcomes.append(Outcome(status, done - sent, body))
        finally:
            conn.close()

    cpu0 = _cpu()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    cpu = _cpu() - cpu0
    return RunResult(
        f"closed loop (saturating): {concurrency} concurrent clients, each sends its next request "
        f"when the previous answer arrives; {warmup} s warm-up, then {duration} s measured",
        len(outcomes),
        outcomes,
        duration,
        cpu * duration / (duration + warmup),
    )


def open_loop(base_url: str, make, *, rate: float, duration: float, conns=64, timeout=30.0):
    host, port = _hostport(base_url)
    return asyncio.run(_open_loop(host, port, make, rate, duration, conns, timeout))


def closed_loop(
    base_url: str, make, *, concurrency: int, duration: float, warmup=3.0, timeout=30.0
):
    host, port = _hostport(base_url)
    return asyncio.run(_closed_loop(host, port, make, concurrency, duration, warmup, timeout))


def sequential(base_url: str, requests: list[Request], timeout=60.0) -> list[Outcome]:
    """One request at a time on one connection: for per-request latency of heavy endpoints."""
    host, port = _hostport(base_url)

    async def run():
        conn = Connection(host, port)
        out = []
        for req in requests:
            t = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(conn.send(req), timeout)
            except Exception:
                conn.close()
                status, body = 0, b""
            out.append(Outcome(status, time.perf_counter() - t, body))
        conn.close()
        return out

    return asyncio.run(run())


def _hostport(base_url: str) -> tuple[str, int]:
    hostport = base_url.split("://", 1)[1].rstrip("/")
    host, _, port = hostport.partition(":")
    return host, int(port or 80)
