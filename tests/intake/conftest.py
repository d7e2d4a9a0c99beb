"""Helpers for the intake tests and the others that submit (no tests here): posting wizard steps
as a browser would, a complete set of valid answers for every step, the risk step's answers,
and a JSON API post."""

import copy
import json

WIZARD_URL = "/intake/questionnaire/"
MANAGEMENT_FIELD = "intake-current_step"


def step_url(step: str) -> str:
    return f"{WIZARD_URL}{step}/"


def form_data(step: str, answers: dict | None = None, **buttons) -> dict:
    """A step's POST body: the management form, the answers (prefixed) and any buttons."""
    data = {MANAGEMENT_FIELD: step}
    for name, value in (answers or {}).items():
        data[f"{step}-{name}"] = value
    data.update(buttons)
    return data


def post_step(client, step: str, answers: dict | None = None, **buttons):
    return client.post(step_url(step), form_data(step, answers, **buttons))


PHQ9_ANSWERS = {
    "phq9__q1": "2",
    "phq9__q2": "3",
    "phq9__q3": "1",
    "phq9__q4": "3",
    "phq9__q5": "1",
    "phq9__q6": "2",
    "phq9__q7": "2",
    "phq9__q8": "1",
    "phq9__q9": "0",
    "phq9__difficulty": "2",
}
GAD7_ANSWERS = {f"gad7__q{n}": "1" for n in range(1, 8)}

VALID_STEPS = {
    "welcome": {"screening": "on"},
    "about-you": {
        "given_name": "Ada",
        "family_name": "Rivera",
        "birth_date": "1986-03-14",
        "sex_at_birth": "female",
        "email": "ada@example.org",
        "phone": "+1 212 555 0100",
        "state": "NY",
        "postal_code": "10027",
        "languages": ["en", "es"],
        "insurance_payer": "aetna",
    },
    "feeling": {**PHQ9_ANSWERS, **GAD7_ANSWERS},
    "mood-history": {},
    "alcohol-and-drugs": {
        "audit_c__q1": "1",
        "audit_c__q2": "0",
        "audit_c__q3": "0",
        "drug_screen__q1": "0",
    },
    "eating-habits-worries": {},
    "stressful-experiences": {},
    "body": {},
    "treatment-history": {
        "current_episode_months": "14",
        "psychotic_features": "false",
        "medication_rows": "2",
        "med_name_0": "sertraline",
        "med_dose_0": "150",
        "med_weeks_0": "8",
        "med_adherence_0": "most_days",
        "med_outcome_0": "no_response",
        "med_current_0": "true",
        "med_name_1": "escitalopram",
        "med_dose_1": "20",
        "med_weeks_1": "8",
        "med_adherence_1": "all",
        "med_outcome_1": "partial_response",
        "med_current_1": "true",
        "therapy_rows": "1",
        "therapy_type_0": "cbt",
        "therapy_sessions_0": "12",
        "therapy_outcome_0": "partial_response",
        "neuromodulation_rows": "1",
        "neuro_type_0": "ect",
        "neuro_placement_0": "bilateral",
        "neuro_sessions_0": "8",
        "neuro_outcome_0": "no_response",
        "neuro_current_0": "true",
    },
    "care-preferences": {
        "modality": "either",
        "provider_types": ["psychiatrist"],
        "max_distance_miles": "30",
        "languages": ["en"],
    },
    "review": {},
}
STEP_ORDER = list(VALID_STEPS)


def valid_answers(step: str) -> dict:
    return copy.deepcopy(VALID_STEPS[step])


def complete_steps(client, until: str | None = None, overrides: dict | None = None):
    """Post every step with valid answers, up to (not including) ``until``; the last response."""
    response = None
    for step in STEP_ORDER:
        if step == until:
            break
        answers = (overrides or {}).get(step, valid_answers(step))
        response = post_step(client, step, answers)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    return response


CSSRS_LOW = {
    "cssrs_shown": "1",
    "cssrs_screen__q1": "true",
    "cssrs_screen__q2": "false",
    "cssrs_screen__q6": "false",
}


def feeling(item9: str, cssrs: dict | None = None) -> dict:
    return {**valid_answers("feeling"), "phq9__q9": item9, **(cssrs or {})}


def minimal(**patient) -> dict:
    """What someone who knows only an email and a birth date can send."""
    return {
        "patient": {
            "birth_date": "1986-03-14",
            "sex_at_birth": "female",
            "email": "ada@example.org",
            "state": "NY",
            **patient,
        },
        "consent": {"screening": True, "privacy_notice_version": "2026-01"},
        "answers": {"phq9": {f"q{i}": 0 for i in range(1, 10)}},
    }


INTAKES_URL = "/api/v1/intakes/"


def post(client, payload, **headers):
    return client.post(
        INTAKES_URL, data=json.dumps(payload), content_type="application/json", **headers
    )
