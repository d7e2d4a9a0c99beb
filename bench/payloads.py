"""Request bodies: realistic intakes (the contract's example, varied) and the floor's payload.

Every intake is a different patient (its own external id and email, so no two requests
contend for one patient row), with PHQ-9 and GAD-7 answers, three medication trials, one
psychotherapy trial and care preferences, in ten states. About 3 % answer PHQ-9 item 9
above 0 (the urgent path: a flag and a case in the submission's transaction).
"""

from __future__ import annotations

import json
import random

from devstack.payloads import intake_payload

# (state, ZIP) pairs the serializer accepts (the ZIP is in the state).
PLACES = [
    ("NY", "10027"),
    ("CA", "90024"),
    ("TX", "77002"),
    ("IL", "60614"),
    ("FL", "33136"),
    ("PA", "19104"),
    ("MA", "02115"),
    ("WA", "98101"),
    ("GA", "30303"),
    ("OH", "43210"),
]
PAYERS = ["aetna", "cigna", "bcbs", "unitedhealthcare", "medicaid", "medicare", ""]
# (medication, a daily dose in mg) — adequate and inadequate doses both occur.
TRIALS = [
    ("sertraline", 150),
    ("sertraline", 50),
    ("escitalopram", 20),
    ("fluoxetine", 40),
    ("venlafaxine", 225),
    ("venlafaxine", 75),
    ("duloxetine", 60),
    ("bupropion", 300),
    ("mirtazapine", 30),
    ("aripiprazole", 5),
    ("lithium", 900),
    ("quetiapine", 150),
]
OUTCOMES = ["no_response", "partial_response", "no_response", "stopped_side_effects"]
ADHERENCE = ["all", "most_days", "all", "about_half"]

# Three medication trials, PHQ-9 and GAD-7 (checked at import: the issue asks for them).
assert len(intake_payload()["treatment_history"]["medication_trials"]) == 3


def realistic_intake(i: int, run: str = "r") -> dict:
    rnd = random.Random(f"{run}-{i}")
    payload = intake_payload()
    state, zip_code = PLACES[i % len(PLACES)]
    payer = rnd.choice(PAYERS)
    payload["patient"].update(
        external_id=f"BENCH-{run}-{i}",
        email=f"bench.{run}.{i}@example.org",
        given_name=rnd.choice(["Ada", "Ben", "Chloe", "Dev", "Eli", "Farah", "Gus", "Hana"]),
        family_name=rnd.choice(["Rivera", "Okafor", "Nguyen", "Smith", "Kowalski", "Haddad"]),
        birth_date=f"{rnd.randint(1950, 2004)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
        sex_at_birth=rnd.choice(["female", "male"]),
        state=state,
        postal_code=zip_code,
        insurance={"payer": payer, "self_pay": not payer},
    )
    phq9 = {f"q{n}": rnd.choice([1, 2, 2, 3]) for n in range(1, 9)}
    phq9["q9"] = 1 if rnd.random() < 0.03 else 0
    phq9["difficulty"] = rnd.randint(1, 3)
    gad7 = {f"q{n}": rnd.randint(0, 3) for n in range(1, 8)}
    payload["answers"] = {"phq9": phq9, "gad7": gad7}
    history = payload["treatment_history"]
    history["current_episode_months"] = rnd.randint(3, 60)
    history["medication_trials"] = [
        {
            "medication": med,
            "max_daily_dose_mg": dose,
            "weeks_at_max_dose": rnd.choice([4, 6, 8, 10, 12]),
            "adherence": rnd.choice(ADHERENCE),
            "outcome": rnd.choice(OUTCOMES),
            "current_episode": rnd.random() < 0.8,
        }
        for med, dose in rnd.sample(TRIALS, 3)
    ]
    history["neuromodulation"] = []
    payload["care_preferences"] = {
        "modality": rnd.choice(["either", "telehealth", "in_person"]),
        "max_distance_miles": rnd.choice([10, 25, 30, 50]),
        "languages": ["en"],
    }
    return payload


class IntakeBodies:
    """JSON bodies of ``realistic_intake``: a few hundred varieties serialised once, then only
    the patient's identifiers are substituted per request (cheap for the load generator)."""

    VARIETIES = 256

    def __init__(self, run: str):
        self.run = run
        self.templates = [
            json.dumps(realistic_intake(n, run)).encode() for n in range(self.VARIETIES)
        ]

    def body(self, i: int) -> bytes:
        n = i % self.VARIETIES
        template = self.templates[n]
        return template.replace(
            f'BENCH-{self.run}-{n}"'.encode(), f'BENCH-{self.run}-{n}-{i}"'.encode()
        ).replace(f"bench.{self.run}.{n}@".encode(), f"bench.{self.run}.{n}.{i}@".encode())


def bare_body(i: int) -> bytes:
    return json.dumps({"name": f"item-{i}", "score": i % 28}).encode()
