"""clinical.rules.measurement: a follow-up PHQ-9 against its baseline, at every boundary."""

import pytest

from clinical.rules import evaluate
from clinical.rules.measurement import (
    NO_RESPONSE,
    PARTIAL_RESPONSE,
    REMISSION,
    RESPONSE,
    WORSE,
    change_pct,
    classify,
    measure,
    not_improving,
)
from clinical.rules.types import FollowUpContext
from tests.clinical.rules.builders import phq9, screening_input


def test_the_issue_examples():
    assert measure(18, 9).to_dict() == {
        "baseline_phq9": 18,
        "phq9": 9,
        "change_pct": -50.0,
        "outcome": "response",
    }
    assert measure(18, 4).outcome == "remission"


@pytest.mark.parametrize(
    ("baseline", "follow_up", "outcome"),
    [
        # Remission: under 5, whatever the baseline (and before response).
        (18, 4, REMISSION),
        (18, 5, RESPONSE),  # 72 % down but not under 5
        (6, 4, REMISSION),
        (0, 4, REMISSION),
        (4, 4, REMISSION),
        # Response: exactly 50 % down, and just under.
        (20, 10, RESPONSE),  # -50.0 %
        (19, 10, PARTIAL_RESPONSE),  # -47.4 %
        (19, 9, RESPONSE),  # -52.6 %
        (21, 10, RESPONSE),  # -52.4 %
        (21, 11, PARTIAL_RESPONSE),  # -47.6 %
        # Partial response: exactly 25 % down, and just under.
        (20, 15, PARTIAL_RESPONSE),  # -25.0 %
        (20, 16, NO_RESPONSE),  # -20.0 %
        (12, 9, PARTIAL_RESPONSE),  # -25.0 %
        (13, 10, NO_RESPONSE),  # -23.1 %
        # No response: unchanged, a small rise.
        (15, 15, NO_RESPONSE),
        (15, 19, NO_RESPONSE),  # +4 points
        # Worse: a rise of exactly 5 points or more.
        (15, 20, WORSE),
        (10, 27, WORSE),
        (0, 5, WORSE),  # from 0, 5 points up
        (0, 4, REMISSION),
        (3, 7, NO_RESPONSE),  # +4 from a baseline already in remission
        (3, 8, WORSE),
    ],
)
def test_boundaries(baseline, follow_up, outcome):
    assert classify(baseline, follow_up) == outcome


def test_change_pct_is_one_decimal_and_none_from_zero():
    assert change_pct(18, 9) == -50.0
    assert change_pct(19, 10) == -47.4
    assert change_pct(10, 15) == 50.0
    assert change_pct(0, 7) is None
    assert measure(0, 7).change_pct is None


@pytest.mark.parametrize(("baseline", "follow_up"), [(-1, 3), (3, 28), (True, 3), (3, 2.5)])
def test_totals_outside_0_to_27_are_refused(baseline, follow_up):
    with pytest.raises(ValueError, match="0 to 27"):
        classify(baseline, follow_up)


@pytest.mark.parametrize(
    ("outcome", "days", "weeks", "expected"),
    [
        (NO_RESPONSE, 55, 8, False),  # 7 weeks 6 days
        (NO_RESPONSE, 56, 8, True),  # exactly 8 weeks
        (PARTIAL_RESPONSE, 56, 8, True),
        (WORSE, 70, 8, True),
        (RESPONSE, 56, 8, False),
        (REMISSION, 200, 8, False),
        (NO_RESPONSE, 28, 4, True),  # the clinical lead's 4 weeks
        (NO_RESPONSE, 27, 4, False),
    ],
)
def test_not_improving_at_the_weeks_boundary(outcome, days, weeks, expected):
    assert not_improving(outcome, days_since_baseline=days, after_weeks=weeks) is expected


def test_not_improving_needs_a_positive_threshold():
    with pytest.raises(ValueError):
        not_improving(NO_RESPONSE, days_since_baseline=100, after_weeks=0)


# --- The not_improving flag, through the engine ------------------------------------------------


def _flag(baseline, follow_up_total, days, weeks=8):
    result = evaluate(
        screening_input(
            answers={"phq9": phq9(follow_up_total)},
            follow_up=FollowUpContext(baseline, days, weeks),
        )
    )
    return result.flag("not_improving")


def test_the_flag_is_raised_at_exactly_8_weeks_without_response():
    assert _flag(18, 12, 55) is None  # 7 weeks 6 days
    raised = _flag(18, 12, 56)  # 8 weeks: -33.3 %, a partial response
    assert raised is not None
    assert raised.level == "moderate"
    assert "8 weeks" in raised.summary
    assert raised.evidence == (
        "PHQ-9 12 against 18 at baseline (-33.3 %): partial response",
        "8 weeks after the baseline (threshold: 8 weeks, set by the clinical lead)",
    )


def test_a_response_or_remission_never_raises_it():
    assert _flag(18, 9, 200) is None
    assert _flag(18, 4, 200) is None


def test_the_clinical_leads_threshold_is_used():
    assert _flag(18, 17, 28, weeks=4) is not None
    assert _flag(18, 17, 27, weeks=4) is None


def test_no_flag_without_a_baseline_score_or_for_a_first_intake():
    assert _flag(None, 17, 100) is None
    assert evaluate(screening_input(answers={"phq9": phq9(17)})).flag("not_improving") is None
