"""Properties (hypothesis): totals stay in range, severity is monotonic in the total, and the
order of submission never changes counts, stages or flags."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from clinical.rules import assess_safety, evaluate
from clinical.rules.alcohol import audit_c_score
from clinical.rules.cssrs import cssrs_risk_level
from clinical.rules.gad7 import GAD7_SEVERITIES, gad7_score, gad7_severity
from clinical.rules.phq9 import PHQ9_SEVERITIES, phq9_score, phq9_severity
from clinical.rules.phq15 import PHQ15_SEVERITIES, phq15_score, phq15_severity
from clinical.rules.staging import maudsley_severity_points
from clinical.rules.types import RISK_LEVELS, ScreeningInput
from tests.clinical.rules.builders import ANTIDEPRESSANTS, AUGMENTATION_AGENTS, course, ect, q

# No example database: the run leaves nothing behind in the working tree.
FAST = settings(max_examples=150, deadline=None, database=None)
SLOW = settings(max_examples=150, deadline=None, database=None)


def items(keys, top):
    return st.fixed_dictionaries({k: st.integers(0, top) for k in keys})


def yes_no_items(keys):
    return st.fixed_dictionaries({k: st.booleans() for k in keys})


@FAST
@given(items(q(1, 9), 3))
def test_phq9_total_in_range(answers):
    score = phq9_score(answers)
    assert 0 <= score.total <= 27
    assert score.severity in PHQ9_SEVERITIES


@FAST
@given(items(q(1, 7), 3))
def test_gad7_total_in_range(answers):
    assert 0 <= gad7_score(answers).total <= 21


@FAST
@given(items(q(1, 15), 2), st.sampled_from(["female", "male", "intersex", "unknown"]))
def test_phq15_total_in_range(answers, sex):
    if sex == "male":
        del answers["q4"]
    assert 0 <= phq15_score(answers, sex_at_birth=sex).total <= (28 if sex == "male" else 30)


@FAST
@given(items(q(1, 3), 4), st.sampled_from(["female", "male", "intersex", "unknown"]))
def test_audit_c_total_in_range(answers, sex):
    assert 0 <= audit_c_score(answers, sex_at_birth=sex).total <= 12


@FAST
@given(st.integers(0, 27), st.integers(0, 27))
def test_phq9_severity_monotonic(a, b):
    low, high = sorted((a, b))
    assert PHQ9_SEVERITIES.index(phq9_severity(low)) <= PHQ9_SEVERITIES.index(phq9_severity(high))
    assert maudsley_severity_points(low, False) <= maudsley_severity_points(high, False)


@FAST
@given(st.integers(0, 21), st.integers(0, 21))
def test_gad7_severity_monotonic(a, b):
    low, high = sorted((a, b))
    assert GAD7_SEVERITIES.index(gad7_severity(low)) <= GAD7_SEVERITIES.index(gad7_severity(high))


@FAST
@given(st.integers(0, 30), st.integers(0, 30))
def test_phq15_severity_monotonic(a, b):
    low, high = sorted((a, b))
    rank = PHQ15_SEVERITIES.index
    assert rank(phq15_severity(low)) <= rank(phq15_severity(high))


@FAST
@given(yes_no_items(["q1", "q2", "q3", "q4", "q5", "q6", "q6a"]), st.data())
def test_cssrs_one_more_yes_never_lowers_the_risk(answers, data):
    key = data.draw(st.sampled_from(sorted(answers)))
    before = RISK_LEVELS.index(cssrs_risk_level(answers))
    after = RISK_LEVELS.index(cssrs_risk_level({**answers, key: True}))
    # Q6a Yes moves Q6 from "more than 3 months ago" to recent: it can only raise the level.
    assert after >= before


@FAST
@given(st.integers(0, 3), yes_no_items(["q1", "q2", "q6"]))
def test_urgent_iff_item9_or_any_cssrs_risk(item9, screen):
    phq9 = {**dict.fromkeys(q(1, 8), 0), "q9": item9}
    safety = assess_safety({"phq9": phq9, "cssrs_screen": screen})
    assert safety.urgent is (item9 >= 1 or any(screen.values()))


# --- Trial order ------------------------------------------------------------------------------

AGENTS = sorted(ANTIDEPRESSANTS) + sorted(AUGMENTATION_AGENTS)
FAILING = ["no_response", "partial_response"]
OTHER_OUTCOMES = ["response", "remission", "stopped_side_effects", "too_early_to_tell"]


@st.composite
def medication_course(draw):
    """Half the time an adequate, failing course (so stages III-V are reached), otherwise
    any mix of dose, duration, adherence, outcome and episode."""
    agent = draw(st.sampled_from(AGENTS))
    minimum = ANTIDEPRESSANTS.get(agent, ("", 10))[1]
    if draw(st.booleans()):
        return course(
            agent,
            minimum * draw(st.sampled_from([1, 2])),
            draw(st.sampled_from([6, 8, 12])),
            draw(st.sampled_from(["all", "most_days"])),
            draw(st.sampled_from(FAILING)),
        )
    return course(
        agent,
        minimum * draw(st.sampled_from([0.5, 1, 2])),
        draw(st.sampled_from([2, 4, 5, 6, 12])),
        draw(st.sampled_from(["all", "most_days", "about_half", "rarely"])),
        draw(st.sampled_from(FAILING + OTHER_OUTCOMES)),
        current=draw(st.booleans()),
    )


neuromodulation_course = st.builds(
    ect,
    st.sampled_from(["bilateral", "right_unilateral", "unknown", None]),
    st.sampled_from(["no_response", "partial_response", "response"]),
    current=st.booleans(),
    kind=st.sampled_from(["ect", "rtms", "esketamine"]),
)


@st.composite
def history_and_permutation(draw):
    courses = draw(st.lists(medication_course(), min_size=1, max_size=8))
    order = draw(st.permutations(range(len(courses))))
    neuro = draw(st.lists(neuromodulation_course, max_size=2))
    answers = {"phq9": {**dict.fromkeys(q(1, 9), 1)}, "mdq": {}}
    answers["mdq"] = {
        **{f"q1{c}": True for c in "abcdefghijklm"},
        "q2": True,
        "q3": draw(st.integers(0, 3)),
    }
    base = ScreeningInput(
        sex_at_birth="female",
        answers=answers,
        current_episode_months=draw(st.none() | st.integers(0, 60)),
        medication_trials=tuple(replace(c, index=i) for i, c in enumerate(courses)),
        neuromodulation=tuple(replace(c, index=i) for i, c in enumerate(neuro)),
    )
    # Course i moves to position new_index[i]; indexes follow it.
    new_index = {old: new for new, old in enumerate(order)}
    shuffled = tuple(
        sorted(
            (replace(c, index=new_index[c.index]) for c in base.medication_trials),
            key=lambda c: c.index,
        )
    )
    return base, replace(base, medication_trials=shuffled), new_index


def _order_free(result):
    trd = result.trd
    return (
        trd.adequate_failed_trials,
        trd.meets_trd_definition,
        trd.four_week_rule,
        trd.under_25_percent_rule,
        trd.thase_rush_stage,
        trd.maudsley,
        trd.mgh_s,
        tuple((f.code, f.level, f.summary, tuple(sorted(f.evidence))) for f in result.flags),
    )


@SLOW
@given(history_and_permutation())
def test_reordering_trials_never_changes_counts_stages_or_flags(case):
    base, shuffled, new_index = case
    before, after = evaluate(base), evaluate(shuffled)
    assert _order_free(before) == _order_free(after)
    assert {new_index[i] for i in before.trd.failed_trials} == set(after.trd.failed_trials)
    assert {new_index[t.index]: t.reasons for t in before.trd.inadequate_trials} == {
        t.index: t.reasons for t in after.trd.inadequate_trials
    }
    assert {new_index[i] for i in before.trd.augmentation_trials} == set(
        after.trd.augmentation_trials
    )


@SLOW
@given(history_and_permutation())
def test_counts_are_consistent(case):
    trd = evaluate(case[0]).trd
    assert trd.under_25_percent_rule <= trd.adequate_failed_trials <= trd.four_week_rule
    assert trd.meets_trd_definition is (trd.adequate_failed_trials >= 2)
    assert (trd.thase_rush_stage == "0") is (trd.adequate_failed_trials == 0)
    assert (trd.maudsley.total is None) is (trd.adequate_failed_trials == 0)
    if trd.maudsley.total is not None:
        assert 3 <= trd.maudsley.total <= 15
    # Both readings agree on whether any stage applies at all.
    assert (trd.thase_rush_stage_chronological == "0") is (trd.thase_rush_stage == "0")
