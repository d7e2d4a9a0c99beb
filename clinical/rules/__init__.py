"""Pure clinical rules of the TRD intake screening service (stdlib only: no Django, DRF or
Celery). The clinical source is ``docs/clinical-reference.md``; the output shapes are the
v1 API's ``screening`` block (``docs/api.md``). Everything here is decision support for a
clinician, never a diagnosis.

Public API
----------
``evaluate(ScreeningInput) -> ScreeningResult`` — scores, TRD assessment, flags, safety.
``assess_safety(answers) -> SafetyAssessment`` — the synchronous safety decision.
``RULESET_VERSION`` — recorded by every screening run so a changed rule can be replayed.

Project conventions (where clinical.md is silent; change them only with a new version)
--------------------------------------------------------------------------------------
* Incomplete instruments (§4 "missing items → do not score"): a required item missing gives
  ``total: null`` with ``complete: false`` and ``missing_items``; such an instrument raises no
  flag. Items hidden by skip logic are absent and count 0 / No. The safety decision never
  waits for completeness: PHQ-9 item 9 and any C-SSRS answer always count.
* C-SSRS: Q6 Yes with Q6a unanswered is read as recent behaviour (high).
* Crisis resources: the six 988 entries of §5 are always returned; 911 is always listed too,
  first when the C-SSRS risk is high, last otherwise. Never the ended "press 3" option.
* ``inadequate_trials`` lists exactly the courses behind ``pseudo_resistance``: current-episode
  antidepressant courses with outcome no_response / partial_response that are not adequate.
  Other outcomes are not listed there (stopped_side_effects → ``intolerant_trials``); every
  course is shown with its status in the additional ``trd.trials`` list.
* ``intolerant_trials``: current-episode courses of any role stopped for side effects.
  ``augmentation_trials``: current-episode augmentation courses (earlier ones are shown in
  ``trd.trials`` as ``earlier_episode``).
* An antidepressant with no catalogue minimum dose cannot be adequate (dose_below_minimum).
* Thase-Rush: the set-based stage of §2.1 is ``thase_rush_stage``;
  ``thase_rush_stage_chronological`` reads submission order as chronological. ECT has no order
  relative to medicines in the intake, so in both readings Stage V needs Stage IV plus any
  failed (no/partial response) current-episode ECT course with ``bilateral`` placement
  (right-unilateral and unknown placement never qualify).
* Maudsley: an unknown episode duration (or an unscored PHQ-9 without psychotic features)
  scores the lowest level, 1; the component is named in ``assumed_lowest`` and the total is a
  lower bound. Clinician-confirmed ``psychotic_features`` give severity 5 whatever the PHQ-9
  (§2.2 crosswalk row); a self-report raises ``possible_psychotic_features`` instead.
  Augmentation point: any current-episode augmentation medicine course, or a current-episode
  esketamine neuromodulation course (§1.4 lists esketamine as augmentation), any outcome. ECT
  point: any current-episode ECT course, any placement and outcome. Components are reported
  even when the total is ``null`` / ``not_applicable``.
* MGH-S (§2.3), conservative: 1 point per distinct failed antidepressant (default rule:
  adequate, no/partial response); +0.5 dose optimisation once per failed agent with two or more
  current-episode courses (§1.2: a second course of the same drug is dose optimisation);
  duration optimisation is never scored (the intake records no trial extension); +0.5 per
  distinct augmentation agent with a failed current-episode course taken all / most days
  (esketamine neuromodulation included); an antidepressant combination is not scored again (the
  added drug already scores 1 as its own trial); +3 once for any failed current-episode ECT
  course, any placement. Reported as the additional ``trd.mgh_s``.
* Psychotherapy courses are carried in the input but no rule reads them.

Versions: 2026.1 the first published ruleset; 2026.2 (issue 20, clinical fidelity, and the
follow-up measurement rules) adds who reported psychotic features, the bipolarity caveats on
``possible_trd``, weeks at or above the minimum dose, unlisted drugs and unknown doses, no
counting default for the episode, published skip logic, incomplete C-SSRS grading, IV ketamine
in MSM/MGH-S, verify-dose and too-early notes, the R-LABEL count, and ``not_improving``.
"""

RULESET_VERSION = "2026.2"

from clinical.rules.engine import evaluate  # noqa: E402  (engine reads RULESET_VERSION)
from clinical.rules.safety import assess_safety  # noqa: E402

__all__ = ["RULESET_VERSION", "assess_safety", "evaluate"]
