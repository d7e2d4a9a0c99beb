"""The TRD assessment of one intake (clinical.md §1.4, §2 and §8 "Counting details")."""

from clinical.rules.staging import (
    maudsley_score,
    mgh_s_score,
    thase_rush_stage,
    thase_rush_stage_chronological,
)
from clinical.rules.trials import (
    FOUR_WEEK_RULE,
    LABEL_DOSE_RULE,
    TRD_MIN_FAILED_AGENTS,
    UNDER_25_PERCENT_RULE,
    adequate_failed_trial_count,
    augmentation_trials,
    by_index,
    failed_trials,
    inadequate_trials,
    intolerant_trials,
    review_trial,
)
from clinical.rules.types import ScreeningInput, TrdAssessment


def assess_trd(inp: ScreeningInput, *, phq9_total: int | None) -> TrdAssessment:
    """``phq9_total`` feeds the Maudsley severity crosswalk (§2.2); None when not scored."""
    trials = by_index(inp.medication_trials)
    count = adequate_failed_trial_count(trials)
    return TrdAssessment(
        adequate_failed_trials=count,
        meets_trd_definition=count >= TRD_MIN_FAILED_AGENTS,
        four_week_rule=adequate_failed_trial_count(trials, FOUR_WEEK_RULE),
        under_25_percent_rule=adequate_failed_trial_count(trials, UNDER_25_PERCENT_RULE),
        failed_trials=tuple(t.index for t in failed_trials(trials)),
        inadequate_trials=inadequate_trials(trials),
        intolerant_trials=intolerant_trials(trials),
        augmentation_trials=augmentation_trials(trials),
        thase_rush_stage=thase_rush_stage(trials, inp.neuromodulation),
        thase_rush_stage_chronological=thase_rush_stage_chronological(trials, inp.neuromodulation),
        maudsley=maudsley_score(
            trials=trials,
            neuromodulation=inp.neuromodulation,
            current_episode_months=inp.current_episode_months,
            phq9_total=phq9_total,
            # §2.2: severity 5 only when a clinician confirmed the psychotic features
            psychotic_features=inp.psychotic_features and inp.psychotic_features_confirmed,
        ),
        mgh_s=mgh_s_score(trials, inp.neuromodulation),
        trials=tuple(review_trial(t) for t in trials),
        label_dose_rule=adequate_failed_trial_count(trials, LABEL_DOSE_RULE),
    )
