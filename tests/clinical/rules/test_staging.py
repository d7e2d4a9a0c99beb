"""Thase-Rush (§2.1), Maudsley (§2.2) and MGH-S (§2.3)."""

import pytest

from clinical.rules.staging import (
    maudsley_duration_points,
    maudsley_failure_points,
    maudsley_score,
    maudsley_severity_points,
    mgh_s_score,
    thase_rush_stage,
    thase_rush_stage_chronological,
)
from tests.clinical.rules.builders import (
    ANTIDEPRESSANTS,
    course,
    ect,
    failed,
    indexed,
)


def stages(*agents, neuromodulation=()):
    trials = indexed(*(failed(a) for a in agents))
    return (
        thase_rush_stage(trials, neuromodulation),
        thase_rush_stage_chronological(trials, neuromodulation),
    )


class TestThaseRush:
    @pytest.mark.parametrize(
        ("agents", "set_based", "chronological"),
        [
            ((), "0", "0"),
            (("sertraline",), "I", "I"),
            (("sertraline", "fluoxetine"), "I", "I"),  # same class
            (("sertraline", "venlafaxine"), "II", "II"),
            (("sertraline", "nortriptyline"), "II", "II"),  # SSRI + TCA = II, not III
            (("nortriptyline", "sertraline", "venlafaxine"), "III", "II"),  # §2.1 consequence
            (("sertraline", "venlafaxine", "nortriptyline"), "III", "III"),
            # without the TCA, SSRI + MAOI still span two classes: set-based III
            (("sertraline", "nortriptyline", "phenelzine"), "III", "II"),
            (("sertraline", "venlafaxine", "phenelzine"), "II", "II"),  # MAOI without TCA
            (("sertraline", "venlafaxine", "nortriptyline", "phenelzine"), "IV", "IV"),
            (("phenelzine", "nortriptyline", "sertraline", "venlafaxine"), "IV", "II"),
            (("sertraline", "bupropion", "imipramine", "tranylcypromine"), "IV", "IV"),
            # the set reading needs Stage II without any TCA; the literal one does not
            (("sertraline", "nortriptyline", "amitriptyline"), "II", "III"),
            # a second course of the same TCA is the same trial: no new stage in either reading
            (("sertraline", "nortriptyline", "nortriptyline"), "II", "II"),
            (("sertraline", "sertraline", "venlafaxine"), "II", "II"),
        ],
    )
    def test_set_based_and_chronological(self, agents, set_based, chronological):
        assert stages(*agents) == (set_based, chronological)

    def test_stage_v_needs_failed_bilateral_ect(self):
        four = ("sertraline", "venlafaxine", "nortriptyline", "phenelzine")
        assert stages(*four, neuromodulation=(ect("bilateral"),)) == ("V", "V")
        assert stages(*four, neuromodulation=(ect("right_unilateral"),)) == ("IV", "IV")
        assert stages("sertraline", neuromodulation=(ect("bilateral"),)) == ("I", "I")

    def test_only_adequate_failures_stage(self):
        trials = indexed(failed("sertraline"), course("venlafaxine", 75))
        assert thase_rush_stage(trials) == "I"

    def test_augmentation_is_ignored(self):
        trials = indexed(failed("sertraline"), course("lithium", 900))
        assert thase_rush_stage(trials) == "I"


class TestMaudsleyComponents:
    @pytest.mark.parametrize(
        ("months", "points"), [(0, 1), (12, 1), (13, 2), (24, 2), (25, 3), (120, 3), (None, 1)]
    )
    def test_duration(self, months, points):
        assert maudsley_duration_points(months) == points

    @pytest.mark.parametrize(
        ("phq9_total", "psychotic", "points"),
        [
            (0, False, 1),
            (4, False, 1),
            (5, False, 2),
            (9, False, 2),
            (10, False, 3),
            (19, False, 3),
            (20, False, 4),
            (27, False, 4),
            (27, True, 5),
            (12, True, 5),
            (None, False, 1),
        ],
    )
    def test_severity_crosswalk(self, phq9_total, psychotic, points):
        assert maudsley_severity_points(phq9_total, psychotic) == points

    @pytest.mark.parametrize(
        ("failures", "points"),
        [(0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5), (25, 5)],
    )
    def test_failure_levels(self, failures, points):
        assert maudsley_failure_points(failures) == points

    def test_failure_level_from_distinct_agents(self):
        agents = list(ANTIDEPRESSANTS)[:11]
        score = maudsley_score(
            trials=indexed(*(failed(a) for a in agents), failed(agents[0])),
            current_episode_months=6,
            phq9_total=3,
        )
        assert score.components["antidepressant_failures"] == 5


class TestMaudsleyTotal:
    @pytest.mark.parametrize(
        ("months", "phq9_total", "psychotic", "agents", "aug", "ect_used", "total", "band"),
        [
            (6, 3, False, 1, False, False, 3, "mild"),
            (6, 12, False, 1, True, False, 6, "mild"),
            (6, 12, False, 1, True, True, 7, "moderate"),
            (30, 22, False, 1, True, True, 10, "moderate"),
            (30, 22, False, 3, True, True, 11, "severe"),
            (30, 22, True, 11, True, True, 15, "severe"),
        ],
    )
    def test_bands(self, months, phq9_total, psychotic, agents, aug, ect_used, total, band):
        trials = [failed(a) for a in list(ANTIDEPRESSANTS)[:agents]]
        if aug:
            trials.append(course("lithium", 900, outcome="response"))
        score = maudsley_score(
            trials=indexed(*trials),
            neuromodulation=(ect("right_unilateral", "response"),) if ect_used else (),
            current_episode_months=months,
            phq9_total=phq9_total,
            psychotic_features=psychotic,
        )
        assert (score.total, score.band) == (total, band)

    def test_not_applicable_without_a_failed_adequate_trial(self):
        score = maudsley_score(
            trials=indexed(course("bupropion", 150), course("lithium", 600)),
            current_episode_months=30,
            phq9_total=22,
        )
        assert score.total is None and score.band == "not_applicable"
        assert score.to_dict()["total"] is None

    def test_unknown_duration_is_a_lower_bound(self):
        score = maudsley_score(
            trials=indexed(failed("sertraline")), current_episode_months=None, phq9_total=12
        )
        assert score.components["duration"] == 1 and score.total == 5
        assert score.to_dict()["assumed_lowest"] == ["duration"]

    def test_earlier_episode_augmentation_and_ect_do_not_score(self):
        score = maudsley_score(
            trials=indexed(failed("sertraline"), course("lithium", 900, current=False)),
            neuromodulation=(ect("bilateral", current=False),),
            current_episode_months=6,
            phq9_total=12,
        )
        assert score.components["augmentation"] == score.components["ect"] == 0

    def test_esketamine_course_is_augmentation(self):
        score = maudsley_score(
            trials=indexed(failed("sertraline")),
            neuromodulation=(ect(None, "response", kind="esketamine"),),
            current_episode_months=6,
            phq9_total=12,
        )
        assert score.components["augmentation"] == 1 and score.components["ect"] == 0


class TestMghS:
    def test_one_point_per_distinct_failed_agent(self):
        assert mgh_s_score(indexed(failed("sertraline"), failed("venlafaxine"))).total == 2

    def test_second_course_of_the_same_agent_is_dose_optimisation(self):
        score = mgh_s_score(indexed(course("sertraline", 100), course("sertraline", 200)))
        assert score.components["antidepressant_failures"] == 1
        assert score.components["dose_optimisation"] == 0.5
        assert score.total == 1.5

    def test_failed_augmentation_scores_half_a_point_per_agent(self):
        trials = indexed(
            failed("sertraline"),
            course("aripiprazole", 5),
            course("aripiprazole", 10),
            course("lithium", 900, outcome="response"),
            course("liothyronine", 0.025, adherence="rarely"),
        )
        score = mgh_s_score(trials)
        assert score.components["augmentation_combination"] == 0.5
        assert score.total == 1.5

    def test_combination_is_not_scored_twice(self):
        score = mgh_s_score(indexed(failed("sertraline"), course("mirtazapine", 30)))
        assert score.components["augmentation_combination"] == 0
        assert score.total == 2

    @pytest.mark.parametrize(
        ("courses", "points"),
        [
            ((ect("right_unilateral"),), 3),
            ((ect("bilateral"), ect("bilateral")), 3),
            ((ect("bilateral", "remission"),), 0),
            ((ect("bilateral", current=False),), 0),
        ],
    )
    def test_failed_ect_scores_three_once(self, courses, points):
        assert mgh_s_score(indexed(failed("sertraline")), courses).components["ect"] == points

    def test_duration_optimisation_is_never_scored(self):
        score = mgh_s_score(indexed(course("sertraline", 200, 20)))
        assert score.components["duration_optimisation"] == 0
