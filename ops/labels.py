"""The words staff see for stored codes: one table per kind (stdlib only).

Languages, payers, therapies, C-SSRS risk levels, review states, care modalities, provider
types, intake sources and case levels are stored as short codes ("en", "aetna", "cbt",
"not_assessed", "in_review", "in_person", "psychiatric_np", "web", "routine"); staff pages
show them through :func:`label`, and the intake form's language and payer choices are made
from these tables. Flag codes have their labels in the flag catalogue
(``clinical.rules.flag_catalogue``), which the screening app reads for its pages. A code a
table does not know is shown in words (``some_code`` -> ``Some code``), never hidden.
"""

from ops.text import words

LANGUAGES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ar": "Arabic",
    "fr": "French",
    "ko": "Korean",
    "ru": "Russian",
    "de": "German",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "hi": "Hindi",
    "it": "Italian",
    "pl": "Polish",
    "ja": "Japanese",
    "fa": "Persian",
    "ur": "Urdu",
    "ase": "American Sign Language",  # ISO 639-3 (what the intake form stores)
}
#: A language's own name, shown to patients beside the English one.
OWN_NAMES = {
    "es": "Español",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "ar": "العربية",
    "fr": "Français",
    "ko": "한국어",
    "ru": "Русский",
    "ht": "Kreyòl ayisyen",
    "pt": "Português",
}
#: The languages the intake form offers, in its order.
PATIENT_LANGUAGES = ("en", "es", "zh", "vi", "tl", "ar", "fr", "ko", "ru", "ht", "pt", "ase")
PAYERS = {
    "aetna": "Aetna",
    "anthem": "Anthem",
    "bcbs": "Blue Cross Blue Shield",
    "cigna": "Cigna",
    "humana": "Humana",
    "kaiser": "Kaiser Permanente",
    "medicaid": "Medicaid",
    "medicare": "Medicare",
    "tricare": "TRICARE",
    "unitedhealthcare": "UnitedHealthcare",
    "other": "Another insurer",
}

# The intake form's choices (``intake.forms``), from the tables above.
LANGUAGE_CHOICES = [
    (code, f"{LANGUAGES[code]} ({OWN_NAMES[code]})" if code in OWN_NAMES else LANGUAGES[code])
    for code in PATIENT_LANGUAGES
]
PAYER_CHOICES = [("", "No insurance, or I don't know"), *PAYERS.items()]
THERAPIES = {
    "cbt": "CBT (cognitive behavioural therapy)",
    "mbct": "MBCT (mindfulness-based cognitive therapy)",
    "behavioural_activation": "Behavioural activation",
    "interpersonal": "Interpersonal therapy (IPT)",
    "psychodynamic": "Psychodynamic therapy",
    "dbt": "DBT (dialectical behaviour therapy)",
    "other": "Other psychotherapy",
    "ect": "ECT",
    "rtms": "rTMS",
    "esketamine": "Esketamine",
    "ketamine": "Ketamine",
    "vns": "VNS",
}
RISK_LEVELS = {
    "not_assessed": "Not assessed",
    "none": "No risk",
    "low": "Low risk",
    "moderate": "Moderate risk",
    "high": "High risk",
}
STATES = {
    "new": "New",
    "in_review": "In review",
    "referred": "Referred",
    "closed": "Closed",
    "dismissed": "Dismissed",
}
# A follow-up PHQ-9 against its baseline (clinical.rules.measurement).
OUTCOMES = {
    "remission": "Remission",
    "response": "Response",
    "partial_response": "Partial response",
    "no_response": "No response",
    "worse": "Worse",
}
MODALITIES = {
    "telehealth": "Telehealth",
    "in_person": "In person",
    "either": "Telehealth or in person",
}
PROVIDER_TYPES = {
    "psychiatrist": "Psychiatrist",
    "psychiatric_np": "Psychiatric nurse practitioner",
    "psychologist": "Psychologist",
    "therapist": "Therapist",
}
#: How an intake arrived ("Submitted … through the web form").
SOURCES = {
    "web": "the web form",
    "api": "a partner's system (API)",
}
#: A case's level: its highest flag level, or routine (no flag).
CASE_LEVELS = {
    "urgent": "Urgent",
    "high": "High",
    "moderate": "Moderate",
    "info": "Information only",
    "routine": "Routine (no flags)",
}

TABLES: dict[str, dict[str, str]] = {
    "language": LANGUAGES,
    "payer": PAYERS,
    "therapy": THERAPIES,
    "risk_level": RISK_LEVELS,
    "state": STATES,
    "outcome": OUTCOMES,
    "modality": MODALITIES,
    "provider_type": PROVIDER_TYPES,
    "source": SOURCES,
    "case_level": CASE_LEVELS,
}


def label(kind: str, code: str | None) -> str:
    """The words for ``code`` in the ``kind`` table ("" for no code); an unknown code in words."""
    if not code:
        return ""
    known = TABLES[kind].get(code)
    return known if known is not None else words(code).capitalize()


def labels(kind: str, codes) -> list[str]:
    return [label(kind, code) for code in codes or () if code]
