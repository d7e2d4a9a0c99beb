"""The synchronous safety decision at submission (clinical.md §4.1 item 9, §4.11, §5, §8).

Called inside the submission's transaction: reads two instruments' answers, no I/O, and
returns constant crisis-resource data, so it stays cheap.

Crisis resources (project convention): the 988 entries of §5 are returned on every
assessment — they are always safe to show, and the page decides the emphasis from
``urgent``. The 911 "immediate danger" line is also always listed: first when the C-SSRS
risk is high (§5: "for High risk also show 911"), last otherwise. The ended 988 "press 3"
option is never listed (§5: ended 17 July 2025).
"""

from clinical.rules.cssrs import (
    cssrs_answer_evidence,
    cssrs_at_risk,
    cssrs_missing_items,
    cssrs_risk_level,
)
from clinical.rules.phq9 import describe_item9, phq9_item9
from clinical.rules.types import Answers, CrisisResource, SafetyAssessment

# clinical.md §4.1: any item-9 response ≥ 1, regardless of total, triggers the safety path.
PHQ9_ITEM9_URGENT = 1

LIFELINE = "988 Suicide & Crisis Lifeline"

# clinical.md §5 (SAMHSA / 988lifeline.org) [verified facts only].
CRISIS_LINES_988: tuple[CrisisResource, ...] = (
    CrisisResource(
        key="988_call_text",
        name=LIFELINE,
        contact="Call or text 988",
        description=(
            "Free, confidential, 24/7/365 support from trained crisis counsellors. "
            "The former number 1-800-273-8255 still connects."
        ),
    ),
    CrisisResource(
        key="988_chat",
        name=LIFELINE,
        contact="Chat at 988lifeline.org",
        description="Free, confidential online chat, 24/7/365.",
    ),
    CrisisResource(
        key="988_veterans",
        name="Veterans Crisis Line (via 988)",
        contact="Call 988 and press 1, or text 838255",
        description="For veterans and those who support them; chat at VeteransCrisisLine.net.",
    ),
    CrisisResource(
        key="988_spanish",
        name=f"{LIFELINE} en español",
        contact="Call 988 and press 2",
        description=(
            "Support in Spanish by call, text or chat; interpretation in 250+ other languages."
        ),
    ),
    CrisisResource(
        key="988_tty",
        name=f"{LIFELINE} (TTY)",
        contact="TTY: use your preferred relay service, or dial 711 then 988",
        description="For people who are deaf or hard of hearing using TTY.",
    ),
    CrisisResource(
        key="988_asl",
        name=f"{LIFELINE} (ASL videophone)",
        contact="ASL Now link on 988lifeline.org, or call 988 by videophone",
        description="Support in American Sign Language by videophone.",
    ),
)
EMERGENCY_911 = CrisisResource(
    key="911",
    name="Emergency services",
    contact="Call 911",
    description="If you or someone else is in immediate danger.",
)


def crisis_resources_for(risk_level: str) -> tuple[CrisisResource, ...]:
    if risk_level == "high":
        return (EMERGENCY_911, *CRISIS_LINES_988)
    return (*CRISIS_LINES_988, EMERGENCY_911)


def item9_urgent(item9: int | None) -> bool:
    return item9 is not None and item9 >= PHQ9_ITEM9_URGENT


def assess_safety(answers: Answers) -> SafetyAssessment:
    """Urgent when PHQ-9 item 9 ≥ 1 or the C-SSRS screen gives low, moderate or high risk."""
    item9 = phq9_item9(answers.get("phq9") or {})
    cssrs_items = answers.get("cssrs_screen") or {}
    risk_level = cssrs_risk_level(cssrs_items)
    evidence: list[str] = []
    missing: tuple[str, ...] | None = None
    if item9 is not None:
        evidence.append(describe_item9(item9))
    if risk_level != "not_assessed":
        missing = cssrs_missing_items(cssrs_items)
        evidence.append(f"C-SSRS screen risk level: {risk_level}")
        if missing:
            evidence.append(
                "C-SSRS screen incomplete (unanswered: "
                + ", ".join(key.upper() for key in missing)
                + "): graded at least moderate"
            )
        evidence.extend(cssrs_answer_evidence(cssrs_items))
    return SafetyAssessment(
        urgent=item9_urgent(item9) or cssrs_at_risk(risk_level),
        risk_level=risk_level,
        evidence=tuple(evidence),
        crisis_resources=crisis_resources_for(risk_level),
        cssrs_missing_items=missing,
    )
