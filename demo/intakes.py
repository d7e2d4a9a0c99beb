"""Demo intakes for ``make run``: six made-up patients whose answers show the main screening
paths, and a seventh web intake from Maya again (her email and birth date, a new phone) that
waits as a possible match for a clinician. Each goes through ``IntakeSubmissionSerializer``
and ``intake_submit`` exactly as a real submission would: API intakes as the partner's user
given (the demo coordinator), web intakes anonymous (routed to the organisation that receives
web intakes). Idempotent: a demo intake whose external id is already present is skipped.
All people, contact details and identifiers here are fictitious.
"""

from intake.crypto import blind_index
from intake.models import IntakeSource, Patient
from intake.serializers import IntakeSubmissionSerializer
from intake.services import intake_submit

CONSENT = {"screening": True, "privacy_notice_version": "2026-01"}


def _phq9(*items: int, difficulty: int | None = None) -> dict:
    answers = {f"q{number}": value for number, value in enumerate(items, start=1)}
    if difficulty is not None:
        answers["difficulty"] = difficulty
    return answers


def _yes_no(prefix: str, keys: str, yes: str) -> dict:
    return {f"{prefix}{key}": key in yes for key in keys}


def _patient(external_id, given, family, born, sex, state, postal_code, **extra) -> dict:
    return {
        "external_id": external_id,
        "given_name": given,
        "family_name": family,
        "birth_date": born,
        "sex_at_birth": sex,
        "email": f"{given.lower()}.{family.lower()}@example.org",
        "state": state,
        "postal_code": postal_code,
        "preferred_languages": extra.pop("languages", ["en"]),
        "insurance": extra.pop("insurance", {"payer": "aetna", "self_pay": False}),
        **extra,
    }


def _trial(medication, dose, weeks, adherence="all", outcome="no_response", current=True):
    return {
        "medication": medication,
        "max_daily_dose_mg": dose,
        "weeks_at_max_dose": weeks,
        "adherence": adherence,
        "outcome": outcome,
        "current_episode": current,
    }


DEMO_INTAKES: tuple[tuple[str, dict], ...] = (
    (
        # Likely TRD: two adequate antidepressant trials failed this episode, plus augmentation.
        IntakeSource.WEB,
        {
            "patient": _patient(
                "DEMO-TRD-001",
                "Maya",
                "Okafor",
                "1979-06-02",
                "female",
                "NY",
                "10027",
                phone="+1 212 555 0142",
            ),
            "consent": CONSENT,
            "answers": {
                "phq9": _phq9(3, 3, 2, 3, 2, 2, 2, 1, 0, difficulty=2),
                "gad7": {f"q{n}": v for n, v in enumerate((2, 1, 2, 1, 1, 1, 1), start=1)},
                "audit_c": {"q1": 1, "q2": 0, "q3": 0},
                "drug_screen": {"q1": 0},
                "phq15": {f"q{n}": 1 for n in range(1, 16)},
            },
            "treatment_history": {
                "current_episode_months": 18,
                "psychotic_features": False,
                "medication_trials": [
                    _trial("sertraline", 150, 8, "most_days"),
                    _trial("venlafaxine", 225, 10, "all", "partial_response"),
                    _trial("aripiprazole", 5, 6),
                ],
                "psychotherapy_trials": [
                    {"type": "cbt", "sessions": 16, "outcome": "partial_response"}
                ],
            },
            "care_preferences": {
                "modality": "either",
                "provider_types": ["psychiatrist"],
                "max_distance_miles": 25,
                "languages": ["en"],
            },
        },
    ),
    (
        # Pseudo-resistance: every trial below the minimum dose, too short, or rarely taken.
        IntakeSource.API,
        {
            "patient": _patient(
                "DEMO-PSEUDO-002",
                "Daniel",
                "Reyes",
                "1990-11-21",
                "male",
                "TX",
                "78701",
                languages=["en", "es"],
                insurance={"payer": "", "self_pay": True},
            ),
            "consent": CONSENT,
            "answers": {"phq9": _phq9(2, 2, 2, 2, 1, 2, 1, 1, 0, difficulty=1)},
            "treatment_history": {
                "current_episode_months": 9,
                "medication_trials": [
                    _trial("sertraline", 25, 8, "all"),
                    _trial("bupropion", 150, 3, "about_half"),
                    _trial("citalopram", 10, 12, "rarely"),
                ],
            },
            "care_preferences": {"modality": "telehealth", "languages": ["es"]},
        },
    ),
    (
        # Urgent: PHQ-9 item 9 above 0 and a moderate C-SSRS screen.
        IntakeSource.WEB,
        {
            "patient": _patient(
                "DEMO-URGENT-003", "Jordan", "Lee", "1996-02-14", "intersex", "CA", "94110"
            ),
            "consent": CONSENT,
            "answers": {
                "phq9": _phq9(3, 3, 3, 3, 2, 3, 2, 2, 2, difficulty=3),
                "cssrs_screen": {
                    "q1": True,
                    "q2": True,
                    "q3": True,
                    "q4": False,
                    "q5": False,
                    "q6": False,
                },
            },
            "treatment_history": {
                "current_episode_months": 4,
                "medication_trials": [_trial("escitalopram", 20, 7, "most_days")],
            },
        },
    ),
    (
        # Positive MDQ: 8 symptoms, in the same period, causing a moderate problem.
        IntakeSource.WEB,
        {
            "patient": _patient(
                "DEMO-MDQ-004",
                "Priya",
                "Shah",
                "1985-09-30",
                "female",
                "IL",
                "60614",
                insurance={"payer": "cigna", "self_pay": False},
            ),
            "consent": CONSENT,
            "answers": {
                "phq9": _phq9(2, 2, 1, 2, 1, 1, 2, 0, 0),
                "mdq": {
                    **_yes_no("q1", "abcdefghijklm", yes="abcdefgh"),
                    "q2": True,
                    "q3": 2,
                    "q4": True,
                },
            },
            "treatment_history": {
                "medication_trials": [_trial("fluoxetine", 40, 10, "all", "response", False)],
            },
        },
    ),
    (
        # Anxiety with panic: GAD-7 severe, panic syndrome on the PHQ panic module.
        IntakeSource.API,
        {
            "patient": _patient(
                "DEMO-PANIC-005", "Samuel", "Novak", "1972-04-08", "male", "MA", "02139"
            ),
            "consent": CONSENT,
            "answers": {
                "phq9": _phq9(1, 2, 2, 2, 1, 1, 2, 1, 0, difficulty=1),
                "gad7": {f"q{n}": v for n, v in enumerate((3, 3, 2, 2, 2, 2, 3), start=1)},
                "panic_screen": {
                    **_yes_no("a", "1234", yes="1234"),
                    **_yes_no(
                        "b", [str(n) for n in range(1, 12)], yes=["1", "2", "4", "8", "10", "11"]
                    ),
                },
                "scoff": _yes_no("q", "12345", yes=""),
                "ocd_screen": _yes_no("q", "12345", yes="2"),
            },
        },
    ),
    (
        # Minimal: only the required PHQ-9.
        IntakeSource.WEB,
        {
            "patient": _patient(
                "DEMO-MIN-006",
                "Grace",
                "Kim",
                "2001-12-05",
                "unknown",
                "WA",
                "98103",
                insurance={"payer": "kaiser", "self_pay": False},
            ),
            "consent": CONSENT,
            "answers": {"phq9": _phq9(1, 1, 0, 1, 0, 1, 0, 0, 0)},
        },
    ),
)


def _returning_maya() -> dict:
    """Maya through the web wizard months later: same email and birth date, a new phone. The
    wizard is anonymous, so this is a possible match, never an automatic link."""
    maya = DEMO_INTAKES[0][1]
    patient = {**maya["patient"], "external_id": "DEMO-WEB-007", "phone": "+1 212 555 0199"}
    return {
        "patient": patient,
        "consent": CONSENT,
        "answers": {"phq9": _phq9(2, 2, 1, 2, 1, 1, 1, 1, 0, difficulty=1)},
    }


def load_demo_intakes(*, partner_user=None) -> int:
    """Submit each demo intake whose patient is not there yet; the number submitted. API
    intakes are submitted as ``partner_user`` when one is given."""
    created = 0
    for source, body in (*DEMO_INTAKES, (IntakeSource.WEB, _returning_maya())):
        index = blind_index("external_id", body["patient"]["external_id"])
        if Patient.objects.filter(external_id_index=index).exists():
            continue
        serializer = IntakeSubmissionSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        by = partner_user if source == IntakeSource.API else None
        intake_submit(data=serializer.validated_data, source=source, submitted_by=by)
        created += 1
    return created
