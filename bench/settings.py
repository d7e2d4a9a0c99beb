"""``config.settings`` plus the ``bench`` app and its URL (the bare endpoint). Bench only."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
