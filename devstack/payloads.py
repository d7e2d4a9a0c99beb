"""Intake request bodies: the API contract's example intake, and variations of it.

Shared by the tests (through ``tests.factories``) and the benchmarks (``bench.payloads``);
plain data, no Django import.
"""

import copy

CONTRACT_EXAMPLE = {
    "patient": {
        "external_id": "MRN-00042",
        "given_name": "Ada",
        "family_name": "Rivera",
        "birth_date": "1986-03-14",
        "sex_at_birth": "female",
        "email": "ada@example.org",
        "phone": "+1 212 555 0100",
        "state": "NY",
        "postal_code": "10027",
        "preferred_languages": ["en"],
        "insurance": {"payer": "aetna", "self_pay": False},
    },
    "consent": {"screening": True, "privacy_notice_version": "2026-01"},
    "answers": {
        "phq9": {
            "q1": 2,
            "q2": 3,
            "q3": 1,
            "q4": 3,
            "q5": 1,
            "q6": 2,
            "q7": 2,
            "q8": 1,
            "q9": 0,
            "difficulty": 2,
        },
        "gad7": {"q1": 1, "q2": 1, "q3": 2, "q4": 1, "q5": 0, "q6": 1, "q7": 1},
    },
    "treatment_history": {
        "current_episode_months": 14,
        "psychotic_features": False,
        "medication_trials": [
            {
                "medication": "sertraline",
                "max_daily_dose_mg": 150,
                "weeks_at_max_dose": 8,
                "adherence": "most_days",
                "outcome": "no_response",
                "current_episode": True,
            },
            {
                "medication": "escitalopram",
                "max_daily_dose_mg": 20,
                "weeks_at_max_dose": 8,
                "adherence": "all",
                "outcome": "partial_response",
                "current_episode": True,
            },
            {
                "medication": "aripiprazole",
                "max_daily_dose_mg": 5,
                "weeks_at_max_dose": 6,
                "adherence": "all",
                "outcome": "no_response",
                "current_episode": True,
            },
        ],
        "psychotherapy_trials": [{"type": "cbt", "sessions": 12, "outcome": "partial_response"}],
        "neuromodulation": [
            {
                "type": "ect",
                "placement": "bilateral",
                "sessions": 8,
                "outcome": "no_response",
                "current_episode": True,
            }
        ],
    },
    "care_preferences": {
        "modality": "either",
        "provider_types": ["psychiatrist", "therapist"],
        "max_distance_miles": 30,
        "languages": ["en"],
    },
}

PHQ9_NO_RISK = {"q1": 2, "q2": 3, "q3": 1, "q4": 3, "q5": 1, "q6": 2, "q7": 2, "q8": 1, "q9": 0}


def intake_payload(**sections) -> dict:
    """A deep copy of the contract's example with whole sections replaced."""
    payload = copy.deepcopy(CONTRACT_EXAMPLE)
    payload.update(copy.deepcopy(sections))
    return payload


def with_patient(**fields) -> dict:
    payload = intake_payload()
    payload["patient"].update(fields)
    return payload


def urgent_payload(item9=1, **patient) -> dict:
    payload = intake_payload()
    payload["answers"]["phq9"]["q9"] = item9
    payload["patient"].update(patient)
    return payload
