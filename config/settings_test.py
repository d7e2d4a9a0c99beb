"""Test settings: only what differs from config.settings.

The database and broker come from the environment as in production (scripts/test.sh sets
DATABASE_URL, CELERY_BROKER_URL and REDIS_URL for the PostgreSQL + Redis run, and nothing for
the embedded SQLite run). Tasks run eagerly unless a pipeline test switches to a real worker.
"""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from config.settings import *  # noqa: F403
from config.settings import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = "followups.sms.LocmemBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "user": "100000/min"},
}
AXES_ENABLED = True
