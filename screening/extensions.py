"""Extension points of the case page for apps that build on screening (dependencies flow one
way: the follow-ups app registers its panel here; screening never imports it)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CasePanel:
    """A card in the case page's side column: ``template`` rendered with what ``context``
    returns for (request, case); None leaves the panel out."""

    key: str
    template: str
    context: Callable[..., dict | None]


CASE_PANELS: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    CASE_PANELS[panel.key] = panel


def render_case_panels(request, case) -> list[str]:
    from django.template.loader import render_to_string

    rendered = []
    for panel in CASE_PANELS.values():
        context = panel.context(request, case)
        if context is not None:
            rendered.append(render_to_string(panel.template, context, request=request))
    return rendered
