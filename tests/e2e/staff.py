"""Helpers of the staff pages' browser tests (with the ``staff_page`` fixture of conftest.py):
log a persona in; click a button that posts and wait for the page it lands on."""

from tests.admin_html import assert_no_nested_forms


def log_in(page, live_server, username, next_path):
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def submit_and_wait(page, button):
    """Click a button (or link) and wait for the page it lands on, whose HTML as served (the
    browser's DOM has already dropped any nested form) must not nest a form."""
    with page.expect_navigation(wait_until="load") as navigation:
        button.click()
    response = navigation.value
    if response is not None and "text/html" in response.headers.get("content-type", ""):
        assert_no_nested_forms(response.text(), response.url)
