"""gunicorn's settings for every start of the web process (gunicorn reads ./gunicorn.conf.py
by itself; the command line still overrides any of these).

Binds loopback only unless DJANGO_ENV=production (or BIND says otherwise), says so at start,
and exports the final bind as SERVER_BIND: config/settings.py refuses the committed development
keys for a service reachable beyond loopback without DJANGO_ENV=production.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ops.binding import non_loopback

_production = os.environ.get("DJANGO_ENV") == "production"
_port = os.environ.get("PORT", "8000")

bind = [os.environ.get("BIND") or (f"0.0.0.0:{_port}" if _production else f"127.0.0.1:{_port}")]
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 10
# Masks resume tokens and client addresses in the access and error logs (ops/access_log.py).
logger_class = "ops.access_log.GunicornLogger"


def on_starting(server):
    addresses = list(server.cfg.bind)
    os.environ["SERVER_BIND"] = ",".join(addresses)
    env = os.environ.get("DJANGO_ENV", "development")
    beyond = non_loopback(addresses)
    if env == "production":
        server.log.info("Production: serving on %s", ", ".join(addresses))
    elif beyond:
        server.log.warning(
            "DJANGO_ENV=%s (not production) on %s, reachable beyond this machine: "
            "development keys are refused here (config/settings.py)",
            env,
            ", ".join(beyond),
        )
    else:
        server.log.info(
            "DJANGO_ENV=%s: serving on loopback only (%s); DJANGO_ENV=production "
            "(scripts/start-production.sh) serves beyond this machine",
            env,
            ", ".join(addresses),
        )
