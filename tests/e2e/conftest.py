"""Real-browser tests: Playwright's sync API driving Debian's chromium (no browser download)
against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django must be told that its
synchronous ORM calls there are fine (``DJANGO_ALLOW_ASYNC_UNSAFE``).
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def browser():
    """A chromium of its own per test: a sync Playwright instance must not outlive the test,
    or other browser tests in the session (with their own instance) cannot start one."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/ensure-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Fresh browser contexts (each like a new browser: no cookies), closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1024, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def e2e_settings(settings):
    settings.INTAKE_POST_RATE = "100000/1m"
    # The project-level static/ directory (site.css, intake-wizard.js) is not listed in
    # STATICFILES_DIRS yet; the live server needs it to serve the real pages.
    static_dir = ROOT / "static"
    if static_dir not in [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])]:
        settings.STATICFILES_DIRS = [*getattr(settings, "STATICFILES_DIRS", []), static_dir]


@pytest.fixture
def staff_page(new_context):
    """A 1280 px page for the staff pages' tests; ``page.js_errors`` collects script errors
    and 4xx/5xx responses."""
    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.js_errors = errors
    return page
