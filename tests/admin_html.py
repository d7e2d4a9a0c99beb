"""No HTML form inside another form on a staff page.

A browser drops a ``<form>`` that opens inside another: its fields and its button then belong
to the outer form, and the button submits that instead (the referral page's "Mark sent" once
saved the change form and left the referral in draft). The test client never notices, since
tests post straight to the action's URL; so every admin page the suite renders through the
test client is parsed here (:func:`no_nested_forms_in_admin_pages`, autouse from
``tests/conftest.py``), and ``tests/test_admin_forms.py`` renders each admin page on purpose.
"""

from html.parser import HTMLParser

import pytest
from django.test.client import ClientHandler


class _FormNesting(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open_forms: list[str] = []
        self.nested: list[str] = []

    @staticmethod
    def _describe(tag_attrs) -> str:
        attrs = dict(tag_attrs)
        parts = [f'{k}="{attrs[k]}"' for k in ("id", "action", "method") if attrs.get(k)]
        return f"<form {' '.join(parts)}>" if parts else "<form>"

    def handle_starttag(self, tag, attrs):
        if tag != "form":
            return
        here = self._describe(attrs)
        if self.open_forms:
            line, _ = self.getpos()
            self.nested.append(f"line {line}: {here} inside {self.open_forms[-1]}")
        self.open_forms.append(here)

    def handle_endtag(self, tag):
        if tag == "form" and self.open_forms:
            self.open_forms.pop()


def nested_forms(html: str) -> list[str]:
    """Each form that opens while another is still open, with where and inside what."""
    parser = _FormNesting()
    parser.feed(html)
    parser.close()
    return parser.nested


def assert_no_nested_forms(html: str, where: str) -> None:
    found = nested_forms(html)
    assert not found, f"nested <form> on {where} (a browser drops the inner one): {found}"


def _is_html_page(response) -> bool:
    return (
        not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("text/html")
        and bool(response.content)
    )


@pytest.fixture(autouse=True)
def no_nested_forms_in_admin_pages(monkeypatch):
    """Every HTML page under /admin/ that a test renders through Django's test client (the
    ``client`` fixture, DRF's APIClient) fails the test if it nests a form."""
    handle = ClientHandler.__call__

    def checked(self, environ):
        response = handle(self, environ)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/admin/") and _is_html_page(response):
            assert_no_nested_forms(response.content.decode(response.charset or "utf-8"), path)
        return response

    monkeypatch.setattr(ClientHandler, "__call__", checked)
