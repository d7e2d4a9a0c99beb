"""Extension points of the clinician's case page for apps above screening.

Dependencies flow one way: the referrals app registers its panels (the case's referrals, support
resources) and its "Find providers" link here at start-up, so screening never imports it, looks
its models up by name, or guesses its URL names. Without a registration a panel is empty and a
link absent.
"""

from collections.abc import Callable

#: key -> rows(case) for the case page's template (``case`` may be None for case-free panels).
CASE_PANELS: dict[str, Callable[[object], list[dict]]] = {}
#: key -> url(case), or None when the page has nothing to link to.
CASE_LINKS: dict[str, Callable[[object], str | None]] = {}


def register_case_panel(key: str, rows: Callable[[object], list[dict]]) -> None:
    CASE_PANELS[key] = rows


def register_case_link(key: str, url: Callable[[object], str | None]) -> None:
    CASE_LINKS[key] = url


def case_panel_rows(key: str, case=None) -> list[dict]:
    rows = CASE_PANELS.get(key)
    return rows(case) if rows is not None else []


def case_link(key: str, case) -> str | None:
    url = CASE_LINKS.get(key)
    return url(case) if url is not None else None
