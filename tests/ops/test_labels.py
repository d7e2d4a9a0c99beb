"""ops.labels: the one table of words for stored codes, and its template filters."""

import pytest
from django.template import Context, Template

from ops.labels import TABLES, label, labels


@pytest.mark.parametrize(
    "kind,code,words",
    [
        ("language", "en", "English"),
        ("language", "ase", "American Sign Language"),
        ("payer", "aetna", "Aetna"),
        ("payer", "bcbs", "Blue Cross Blue Shield"),
        ("therapy", "cbt", "CBT (cognitive behavioural therapy)"),
        ("therapy", "rtms", "rTMS"),
        ("risk_level", "not_assessed", "Not assessed"),
        ("risk_level", "none", "No risk"),
        ("state", "in_review", "In review"),
    ],
)
def test_known_codes(kind, code, words):
    assert label(kind, code) == words


def test_an_unknown_code_is_shown_in_words_and_no_code_is_empty():
    assert label("payer", "acme_health") == "Acme health"
    assert label("language", None) == "" and label("language", "") == ""
    assert labels("language", ["en", "es", ""]) == ["English", "Spanish"]


def test_every_table_covers_the_codes_the_models_store():
    from intake.forms import LANGUAGE_CHOICES, PAYER_CHOICES
    from intake.models import NeuromodulationType, PsychotherapyType, RiskLevel
    from screening.models import CaseStatus

    assert {c for c, _ in LANGUAGE_CHOICES} <= set(TABLES["language"])
    assert {c for c, _ in PAYER_CHOICES if c} <= set(TABLES["payer"])
    assert set(PsychotherapyType.values) | set(NeuromodulationType.values) <= set(TABLES["therapy"])
    assert set(RiskLevel.values) == set(TABLES["risk_level"])
    assert set(CaseStatus.values) == set(TABLES["state"])


def test_template_filters():
    template = Template(
        '{% load staff_labels %}{{ payer|label:"payer" }} | {{ langs|labels:"language" }}'
    )
    rendered = template.render(Context({"payer": "kaiser", "langs": ["es", "zh"]}))
    assert rendered == "Kaiser Permanente | Spanish, Chinese"
