"""Extension points of the clinician's case page for apps above screening.

Dependencies flow one way: apps that build on screening register here at start-up, so screening
never imports them, looks their models up by name, or guesses their URL names. Without a
registration a panel is empty and a link absent.

* Row panels and links (referrals: the case's referrals, support resources, "Find providers"):
  data the case page's own template lays out.
* Rendered panels (follow-ups: "Start follow-up"): a card in the side column that the
  registering app renders with its own template.
"""

from collections.abc import Callable
from dataclasses import dataclass

#: key -> rows(case) for the case page's template (``case`` may be None for case-free panels).
CASE_PANELS: dict[str, Callable[[object], list[dict]]] = {}
#: key -> url(case), or None when the page has nothing to link to.
CASE_LINKS: dict[str, Callable[[object], str | None]] = {}


@dataclass(frozen=True)
class CasePanel:
    """A card in the case page's side column: ``template`` rendered with what ``context``
    returns for (request, case); None leaves the panel out."""

    key: str
    template: str
    context: Callable[..., dict | None]


#: key -> a panel the registering app renders itself.
RENDERED_PANELS: dict[str, CasePanel] = {}


def register_case_panel(key: str, rows: Callable[[object], list[dict]]) -> None:
    CASE_PANELS[key] = rows


def register_case_link(key: str, url: Callable[[object], str | None]) -> None:
    CASE_LINKS[key] = url


def register_rendered_panel(panel: CasePanel) -> None:
    RENDERED_PANELS[panel.key] = panel


def case_panel_rows(key: str, case=None) -> list[dict]:
    rows = CASE_PANELS.get(key)
    return rows(case) if rows is not None else []


def case_link(key: str, case) -> str | None:
    url = CASE_LINKS.get(key)
    return url(case) if url is not None else None


def render_case_panels(request, case) -> list[str]:
    from django.template.loader import render_to_string

    rendered = []
    for panel in RENDERED_PANELS.values():
        context = panel.context(request, case)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
