"""Throwaway service processes for fault tests and benchmarks, all on loopback.

Each piece is a real server started from the machine's own binaries: a private PostgreSQL
cluster (``initdb`` into a temporary directory, so a test may stop and restart it), a private
``redis-server``, gunicorn serving ``config.wsgi``, ``celery worker`` and ``celery beat``. Every
process writes its log to a file under the stack's directory and is stopped (its whole process
family) by :meth:`Stack.stop`, so nothing outlives the test or benchmark that started it.

No Django import here: the stack is driven from outside, as an operator would run the service.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
#: The Procfile's ``nice -n 10`` for the Celery worker (docs/performance.md): under load the
#: web processes, which people and partner systems wait on, get the CPU first.
WORKER_NICE = 10


def worker_argv(
    *, name: str, concurrency: int = 1, pool: str = "prefork", nice: int = 0, queue: str = ""
) -> list[str]:
    """The ``celery worker`` command line of the bench's stack and the pipeline tests."""
    return [
        *(["nice", "-n", str(nice)] if nice else []),
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--pool",
        pool,
        *(["-Q", queue] if queue else []),
        "-n",
        name,
        "--without-gossip",
        "--without-mingle",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout=30.0, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {message}")


def port_open(port: int, host="127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found: apt-get install postgresql")


def _as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def descendants(pid: int) -> list[int]:
    found = []
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in (int(c) for c in children.read_text().split()):
            found += [child, *descendants(child)]
    return found


class Postgres:
    """A private PostgreSQL cluster; ``restart()`` and ``stop()`` are the faults it offers."""

    def __init__(self, root: Path, port: int | None = None, fsync: bool = False):
        self.dir = root / "pg"
        self.port = port or free_port()
        self.fsync = fsync
        self.bin = pg_bin()
        self.log = root / "pg.log"
        self.root = root

    def _ctl(self, *args, check=True):
        return subprocess.run(
            [*_as_postgres(), str(self.bin / "pg_ctl"), "-D", str(self.dir), *args],
            check=check,
            capture_output=True,
            text=True,
        )

    def start(self) -> Postgres:
        if not self.dir.exists():
            if os.geteuid() == 0:
                subprocess.run(["chown", "postgres", str(self.root)], check=True)
                self.root.chmod(0o755)
            subprocess.run(
                [
                    *_as_postgres(),
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
            )
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200"
        )
        self._ctl("-o", opts, "-l", str(self.log), "-w", "start")
        return self

    def stop(self, mode="fast"):
        self._ctl("-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        return self._ctl("status", check=False).returncode == 0

    def url(self, db="trd") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db="postgres") -> str:
        out = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-AtX",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def create_database(self, name="trd") -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)


class Redis:
    """A private redis-server that keeps nothing on disk: a restart starts it empty."""

    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.log = root / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), timeout=10, message="redis-server")
        return self

    def stop(self):
        """SIGKILL: whatever was queued is gone (it keeps nothing on disk)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        wait_until(lambda: not port_open(self.port), timeout=10, message="redis to stop")

    def url(self, db=0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Service:
    """A subprocess with its log in a file; ``stop()`` ends it and every descendant."""

    def __init__(self, name: str, argv: list[str], env: dict, root: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = root / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, ready: Callable[[], bool], timeout=60.0) -> Service:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

        def is_ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()[-4000:]}")
            return ready()

        wait_until(is_ready, timeout=timeout, interval=0.2, message=f"{self.name} to be ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def children(self) -> list[int]:
        return descendants(self.proc.pid) if self.proc else []

    def stop(self, timeout=15.0):
        if self.proc is None:
            return
        family = [self.proc.pid, *descendants(self.proc.pid)]
        if self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()
        self._log.close()
        self.proc = None


def django_env(database_url: str, broker_url: str, **extra: str) -> dict:
    """The environment an operator would give the service (``DJANGO_ENV=test``: no secrets)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "PYTEST"))
    }
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="test",
        DEBUG="false",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        LOG_FORMAT="console",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, input: str | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


CREATE_TOKEN = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from ops import roles
User = get_user_model()
user, _ = User.objects.get_or_create(username={username!r}, defaults={{"is_staff": True}})
user.groups.add(Group.objects.get(name=roles.{role}))
print(Token.objects.get_or_create(user=user)[0].key)
"""


def api_token(env: dict, username="partner", role="INTAKE_COORDINATOR") -> str:
    """A user in ``role`` and its API token (what an administrator hands a partner system)."""
    out = manage(env, "shell", "-c", CREATE_TOKEN.format(username=username, role=role))
    return out.strip().splitlines()[-1]


class Stack:
    """PostgreSQL + Redis + gunicorn + Celery worker (+ beat), private to one test or benchmark.

    ``db_url``/``broker_url`` may point at servers already running (benchmarks use the machine's
    own); by default a private PostgreSQL cluster and redis-server are started so that a test
    can stop and restart them.
    """

    def __init__(
        self,
        root: Path,
        *,
        db_url: str | None = None,
        broker_url: str | None = None,
        env: dict | None = None,
    ):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.pg = None if db_url else Postgres(self.root)
        self.redis = None if broker_url else Redis(self.root)
        self._db_url = db_url
        self._broker_url = broker_url
        self.extra_env = env or {}
        self.services: list[Service] = []
        self.web: Service | None = None
        self.web_port: int | None = None

    @property
    def db_url(self) -> str:
        return self._db_url or self.pg.url("trd")

    @property
    def broker_url(self) -> str:
        return self._broker_url or self.redis.url(0)

    @property
    def env(self) -> dict:
        return django_env(self.db_url, self.broker_url, **self.extra_env)

    def start_servers(self, migrate=True) -> Stack:
        if self.pg:
            self.pg.start()
            self.pg.create_database("trd")
        if self.redis:
            self.redis.start()
        if migrate:
            manage(self.env, "migrate", "--noinput", "-v", "0")
        return self

    def start_web(self, workers=2, threads=4, port=None, extra_env=None) -> Service:
        self.web_port = port or free_port()
        argv = [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.web_port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ]
        env = {**self.env, **(extra_env or {})}
        ready = lambda: port_open(self.web_port)  # noqa: E731
        self.web = self._start(Service("web", argv, env, self.root), ready)
        return self.web

    def start_worker(
        self, concurrency=1, name="worker", pool="prefork", nice: int = WORKER_NICE
    ) -> Service:
        # As the Procfile runs it: below the web processes in the CPU scheduler's priority.
        argv = worker_argv(name=f"{name}@%h", concurrency=concurrency, pool=pool, nice=nice)
        service = Service(name, argv, self.env, self.root)
        return self._start(service, lambda: " ready." in service.log())

    def start_beat(self) -> Service:
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(self.root / "celerybeat-schedule"),
        ]
        service = Service("beat", argv, self.env, self.root)
        return self._start(service, lambda: "beat: Starting" in service.log())

    def _start(self, service: Service, ready) -> Service:
        self.services.append(service)
        return service.start(ready)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def stop(self):
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                service.stop()
        if self.redis:
            with contextlib.suppress(Exception):
                self.redis.stop()
        if self.pg:
            self.pg.stop("immediate")

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc):
        self.stop()


# --- make test: reuse the machine's PostgreSQL and Redis, or start throwaway ones -------------
# (scripts/test.sh runs ``python -m devstack services-start`` / ``services-stop``.)

SERVICES_PG_PORT = 55432  # a throwaway PostgreSQL listens here when none runs
SERVICES_REDIS_PORT = 56379  # a throwaway Redis listens here when none runs


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise RuntimeError(f"need root to apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], **quiet)


def _postgres_answers(host: str, port: int) -> bool:
    """A server on host:port that lets ``postgres`` in without a password (trust auth)."""
    psql = shutil.which("psql")
    if not (port_open(port, host) and psql):
        return False
    out = subprocess.run(
        [psql, f"postgresql://postgres@{host}:{port}/postgres", "-Atc", "select 1"],
        capture_output=True,
    )
    return out.returncode == 0


def _redis_command(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(command + b"\r\n")
        return conn.recv(64)


def _redis_answers(port: int) -> bool:
    with contextlib.suppress(OSError):
        return port_open(port) and _redis_command(port, b"PING").startswith(b"+PONG")
    return False


def services_start() -> dict:
    """Reachable PostgreSQL and Redis for the test suite, as environment variables.

    Running servers are used (``PGHOST_TEST``:``PGPORT_TEST``, default 127.0.0.1:5432, trust
    auth; 127.0.0.1:``REDIS_PORT_TEST``, default 6379). Missing ones are installed from Debian's
    packages when needed (as root) and started as throwaway instances under a new temporary
    directory, which ``services_stop`` stops and removes. Returns TEST_DATABASE_URL,
    TEST_REDIS_URL, PGPORT_USED, REDIS_PORT_USED and DEVSTACK_SERVICES (that directory).
    """
    pg_host = os.environ.get("PGHOST_TEST", "127.0.0.1")
    pg_port = int(os.environ.get("PGPORT_TEST", "5432"))
    redis_port = int(os.environ.get("REDIS_PORT_TEST", "6379"))
    root = Path(tempfile.mkdtemp(prefix="trd-services.", dir="/tmp"))
    root.chmod(0o755)
    try:
        if _postgres_answers(pg_host, pg_port):
            _say(f"PostgreSQL: using the running server at {pg_host}:{pg_port}")
        else:
            pg_port = SERVICES_PG_PORT
            try:
                pg_bin()
            except RuntimeError:
                _apt_install("postgresql")
            if os.geteuid() == 0:
                has_user = subprocess.run(["id", "postgres"], capture_output=True).returncode == 0
                if not has_user:
                    subprocess.run(["useradd", "-r", "postgres"], check=True)
            server = Postgres(root, port=pg_port)
            server.start()
            (root / "pg.started").write_text(str(server.bin))
            _say(f"PostgreSQL: started a throwaway server on 127.0.0.1:{pg_port}")

        if _redis_answers(redis_port):
            _say(f"Redis: using the running server at 127.0.0.1:{redis_port}")
        else:
            redis_port = SERVICES_REDIS_PORT
            if shutil.which("redis-server") is None:
                _apt_install("redis-server")
            subprocess.run(
                [
                    "redis-server",
                    *("--port", str(redis_port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--daemonize", "yes"),
                    *("--dir", str(root), "--logfile", str(root / "redis.log")),
                    *("--pidfile", str(root / "redis.pid")),
                ],
                check=True,
            )
            (root / "redis.started").write_text(str(redis_port))
            for _ in range(50):
                if _redis_answers(redis_port):
                    break
                time.sleep(0.1)
            _say(f"Redis: started a throwaway server on 127.0.0.1:{redis_port}")
    except BaseException:
        services_stop(root)
        raise
    return {
        "TEST_DATABASE_URL": f"postgres://postgres@{pg_host}:{pg_port}/trd",
        "PGPORT_USED": str(pg_port),
        "TEST_REDIS_URL": f"redis://127.0.0.1:{redis_port}/15",
        "REDIS_PORT_USED": str(redis_port),
        "DEVSTACK_SERVICES": str(root),
    }


def services_stop(root: Path | str) -> None:
    """Stop what ``services_start`` started under ``root`` and remove the directory."""
    root = Path(root)
    if not root.name.startswith("trd-services.") or not root.is_dir():
        return
    started_pg = root / "pg.started"
    if started_pg.exists():
        pg_ctl = Path(started_pg.read_text()) / "pg_ctl"
        subprocess.run(
            [*_as_postgres(), str(pg_ctl), "-D", str(root / "pg"), "-m", "immediate", "stop"],
            capture_output=True,
        )
    started_redis = root / "redis.started"
    if started_redis.exists():
        with contextlib.suppress(OSError):
            _redis_command(int(started_redis.read_text()), b"SHUTDOWN NOSAVE")
    shutil.rmtree(root, ignore_errors=True)
