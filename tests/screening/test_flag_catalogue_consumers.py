"""Every consumer of a flag's facts reads them from the flag catalogue
(clinical.rules.flag_catalogue): the API filter, the queue's labels, the FHIR export's
displays and implicated instruments, the referral ranking, and the submission's flag."""

from types import SimpleNamespace

import pytest
from rest_framework.exceptions import ValidationError

from clinical.rules import assess_safety, evaluate
from clinical.rules.flag_catalogue import FLAG_CATALOGUE, FLAG_CODES
from interop import codes
from interop.fhir_export import _implicated
from referrals.matching.scoring import FLAG_PREFERENCES
from referrals.matching.types import PROVIDER_TYPES, SPECIALTIES, TREATMENTS
from screening import api_sections, selectors
from screening.services import _suicide_risk_flag
from tests.clinical.rules.builders import cssrs, phq9, screening_input

INSTRUMENTS = sorted({key for info in FLAG_CATALOGUE.values() for key in info.instruments})


def test_the_api_filter_knows_exactly_the_catalogued_codes():
    assert api_sections.FLAG_CODES == FLAG_CODES
    with pytest.raises(ValidationError) as raised:
        api_sections.filter_by_flag(None, "not_a_flag")
    assert ", ".join(FLAG_CODES) in str(raised.value.detail["flag"][0])


@pytest.mark.parametrize("code", FLAG_CODES)
def test_queue_label_and_fhir_display_are_the_catalogues(code):
    info = FLAG_CATALOGUE[code]
    assert selectors.flag_label(code) == info.label
    assert codes.flag_display(code) == info.display


def test_codes_outside_the_catalogue_are_shown_in_words():
    assert selectors.flag_label("retired_flag") == "Retired flag"
    assert codes.flag_display("retired_flag") == "Retired flag"


@pytest.mark.parametrize("code", FLAG_CODES)
def test_fhir_export_implicates_the_catalogued_instruments(code):
    builder = SimpleNamespace(scores={key: key for key in INSTRUMENTS}, trials={}, stage=None)
    assert _implicated(builder, code, None) == list(FLAG_CATALOGUE[code].instruments)


def test_referral_ranking_has_a_preference_for_each_catalogued_provider_fit():
    ranking = {code for code, info in FLAG_CATALOGUE.items() if info.provider_fit is not None}
    assert set(FLAG_PREFERENCES) == ranking
    for code in ranking:
        fit = FLAG_CATALOGUE[code].provider_fit
        assert fit.specialty in FLAG_PREFERENCES[code].specialties
        assert set(fit.treatments) <= set(FLAG_PREFERENCES[code].treatments)
        # The catalogue speaks the provider directory's codes.
        assert fit.specialty in SPECIALTIES
        assert set(fit.treatments) <= set(TREATMENTS)
        assert fit.best_provider_type in ("", *PROVIDER_TYPES)


@pytest.mark.parametrize(
    "answers",
    [
        {"phq9": phq9(9, item9=1)},
        {"phq9": phq9(8), "cssrs_screen": cssrs(q1=True)},
        {"phq9": phq9(8), "cssrs_screen": cssrs(q2=True, q4=True)},
    ],
)
def test_the_submission_flag_reads_as_the_screening_flag(answers):
    """The queue does not change wording when screening completes."""
    summary, evidence = _suicide_risk_flag(assess_safety(answers).to_dict())
    assert summary == evaluate(screening_input(answers=answers)).flag("suicide_risk").summary
    assert evidence
