"""Every flag code the rules can raise, with what the rest of the service says about it: level,
label, instruments, summary wording, FHIR display and the providers that fit it best.

One home for these facts (clinical.md §8 lists the codes and levels; §4 the instruments). The
rules (``clinical.rules.flags``), the API filter, the review queue, the FHIR export and the
referral ranking all read this table.
"""

from dataclasses import dataclass

from clinical.rules.cssrs import cssrs_at_risk


@dataclass(frozen=True, slots=True)
class ProviderFit:
    """Which providers fit a flag best (read by ``referrals.matching.scoring``).

    A provider with ``specialty`` is a full fit (``reason``); when ``best_provider_type`` is
    set, a provider of another type is only a partial fit (``partial_reason``). Offering any of
    ``treatments`` is a further full fit (``treatments_reason``, with ``{treatments}``).
    """

    specialty: str
    reason: str
    best_provider_type: str = ""
    partial_reason: str = ""
    treatments: tuple[str, ...] = ()
    treatments_reason: str = ""


@dataclass(frozen=True, slots=True)
class FlagInfo:
    """One flag code. ``levels`` are the levels it can be raised at, highest first;
    ``summary`` is its wording (a ``str.format`` template where it counts or names
    something); ``instruments`` the questionnaires it is about (FHIR DetectedIssue.implicated);
    ``provider_fit`` the providers that fit it best (None: it does not rank providers)."""

    code: str
    levels: tuple[str, ...]
    label: str
    display: str
    instruments: tuple[str, ...]
    summary: str
    provider_fit: ProviderFit | None = None

    @property
    def level(self) -> str:
        """The level it is raised at (the highest, where it can be lowered)."""
        return self.levels[0]


INTERVENTIONAL_TREATMENTS = ("esketamine", "rtms", "ect")  # shown in this order

_CATALOGUE = (
    FlagInfo(
        code="suicide_risk",
        levels=("urgent",),
        label="Suicide risk",
        display="Suicide risk",
        instruments=("phq9", "cssrs_screen"),
        summary="Possible suicide risk ({source}): {action}",
    ),
    FlagInfo(
        code="possible_trd",
        levels=("high",),
        label="Possible TRD",
        display="Possible treatment-resistant depression",
        instruments=(),
        # {caveat}: "" or " — " and the bipolarity caveats (possible_trd_flag), so the line
        # the queue shows carries them
        summary=(
            "Possible TRD pattern: {count} adequate antidepressant trials failed in the "
            "current episode{caveat}"
        ),
        provider_fit=ProviderFit(
            specialty="trd",
            reason="Specialises in treatment-resistant depression",
            treatments=INTERVENTIONAL_TREATMENTS,
            treatments_reason="Offers {treatments} (interventional treatments for TRD)",
        ),
    ),
    FlagInfo(
        code="pseudo_resistance",
        levels=("moderate",),
        label="Pseudo-resistance",
        display="Possible pseudo-resistance (inadequate trials)",
        instruments=(),
        summary=(
            "Possible pseudo-resistance: {courses} without benefit fell short of an adequate "
            "trial — review {review}"
        ),
    ),
    FlagInfo(
        code="possible_psychotic_features",
        levels=("high",),
        label="Possible psychotic features",
        display="Possible psychotic features (patient self-report)",
        instruments=(),
        summary=(
            "Possible psychotic features (patient self-report): confirm or rule out at "
            "clinical review"
        ),
    ),
    FlagInfo(
        code="possible_bipolar",
        levels=("high",),
        label="Possible bipolar disorder",
        display="Possible bipolar disorder",
        instruments=("mdq",),
        summary="MDQ screen positive: review for possible bipolar disorder",
        provider_fit=ProviderFit(
            specialty="bipolar",
            reason="Psychiatrist experienced in bipolar disorder (screening: possible bipolar)",
            best_provider_type="psychiatrist",
            partial_reason=(
                "Experienced in bipolar disorder (screening: possible bipolar; "
                "a psychiatrist would fit best)"
            ),
        ),
    ),
    FlagInfo(
        code="substance_use",
        levels=("moderate",),
        label="Substance use",
        display="Substance use",
        instruments=("audit_c", "drug_screen"),
        summary="Substance use screen positive: review alcohol and drug use",
        provider_fit=ProviderFit(
            "substance_use", "Treats co-occurring substance use (dual diagnosis)"
        ),
    ),
    FlagInfo(
        code="eating_disorder",
        levels=("moderate",),
        label="Eating disorder",
        display="Possible eating disorder",
        instruments=("scoff",),
        summary="SCOFF screen positive: review for a possible eating disorder",
        provider_fit=ProviderFit("eating_disorders", "Specialises in eating disorders"),
    ),
    FlagInfo(
        code="possible_ocd",
        levels=("moderate", "info"),
        label="Possible OCD",
        display="Possible obsessive-compulsive disorder",
        instruments=("ocd_screen",),
        summary=(
            "Possible OCD: {items} answered yes — prompt for clinician follow-up "
            "(no validated cut-off)"
        ),
        provider_fit=ProviderFit("ocd", "Specialises in OCD"),
    ),
    FlagInfo(
        code="possible_panic",
        levels=("moderate",),
        label="Possible panic disorder",
        display="Possible panic disorder",
        instruments=("panic_screen",),
        summary="PHQ panic module screen positive: review for possible panic disorder",
        provider_fit=ProviderFit("panic", "Specialises in panic disorder"),
    ),
    FlagInfo(
        code="possible_ptsd",
        levels=("moderate",),
        label="Possible PTSD",
        display="Possible post-traumatic stress disorder",
        instruments=("pc_ptsd5",),
        summary="PC-PTSD-5 screen positive: review for possible PTSD",
        provider_fit=ProviderFit("trauma", "Specialises in trauma and PTSD"),
    ),
    FlagInfo(
        code="childhood_adversity",
        levels=("info",),
        label="Childhood adversity",
        display="Childhood adversity",
        instruments=("ace",),
        summary="ACE score 4 or more: context for review, not an individual diagnosis",
    ),
    FlagInfo(
        code="anxiety",
        levels=("moderate",),
        label="Anxiety",
        display="Anxiety",
        instruments=("gad7",),
        summary="GAD-7 screen positive: review for possible anxiety disorder",
    ),
    FlagInfo(
        code="somatic_symptoms",
        levels=("moderate", "info"),
        label="Somatic symptoms",
        display="Somatic symptoms",
        instruments=("phq15",),
        summary="PHQ-15 {severity} somatic symptom burden: review",
    ),
    FlagInfo(
        code="not_improving",
        levels=("moderate",),
        label="Not improving",
        display="Not improving on follow-up",
        instruments=("phq9",),
        summary=(
            "Not improving: no response or remission on the PHQ-9 {weeks} weeks after the "
            "baseline — review the treatment plan"
        ),
    ),
)

#: Flag code -> its facts, in the order of clinical.md §8.
FLAG_CATALOGUE: dict[str, FlagInfo] = {info.code: info for info in _CATALOGUE}
FLAG_CODES: tuple[str, ...] = tuple(FLAG_CATALOGUE)


def flag_info(code: str) -> FlagInfo:
    return FLAG_CATALOGUE[code]


def suicide_risk_summary(risk_level: str) -> str:
    """The one wording of the ``suicide_risk`` flag, at submission and after screening: the
    C-SSRS level when the C-SSRS screen is at risk, else PHQ-9 item 9 (§4.1, §4.11); 911 for
    high risk (§5)."""
    template = FLAG_CATALOGUE["suicide_risk"].summary
    if risk_level == "high":
        return template.format(
            source="C-SSRS high", action="immediate safety review; 911 if in danger"
        )
    if cssrs_at_risk(risk_level):
        return template.format(source=f"C-SSRS {risk_level}", action="same-day clinician review")
    return template.format(source="PHQ-9 item 9", action="same-day clinician review")
