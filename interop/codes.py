"""Canonical URLs and code systems of the FHIR interface (pure Python: no Django).

Our own base is the fixed, deployment-independent ``FHIR_BASE``
(``https://trd-screening.example.org/fhir``): canonical URLs must not change when the service
moves host, so they do not follow ``settings.SITE_URL``. Under it:

* ``{FHIR_BASE}/Questionnaire/{instrument key}`` — each instrument's Questionnaire (version = the
  instrument's ``version``; a QuestionnaireResponse points at ``url|version``);
* ``{FHIR_BASE}/CodeSystem/{name}`` — local code systems, for what LOINC (clinical.md §4.13)
  does not code: local scores, bands, flags, stages, medications, treatment types;
* ``{FHIR_BASE}/StructureDefinition/{name}`` — our extensions;
* ``{FHIR_BASE}/identifier/{name}`` — identifier systems;
* ``{FHIR_BASE}/privacy-notice/{version}`` — the privacy notice a Consent refers to.

External systems are the standard HL7/LOINC/UCUM URIs below.
"""

from clinical.rules.flag_catalogue import FLAG_CATALOGUE
from ops.text import words

FHIR_BASE = "https://trd-screening.example.org/fhir"


def questionnaire_url(instrument_key: str) -> str:
    return f"{FHIR_BASE}/Questionnaire/{instrument_key}"


def local_system(name: str) -> str:
    return f"{FHIR_BASE}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    return f"{FHIR_BASE}/StructureDefinition/{name}"


def identifier_system(name: str) -> str:
    return f"{FHIR_BASE}/identifier/{name}"


# --- External code systems and extensions --------------------------------------------------

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
BCP47 = "urn:ietf:bcp:47"
US_NPI = "http://hl7.org/fhir/sid/us-npi"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_PRIORITY_CODES = "http://hl7.org/fhir/flag-priority-code"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
COVERAGE_SELFPAY = "http://terminology.hl7.org/CodeSystem/coverage-selfpay"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"

EXT_ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXT_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
EXT_ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
EXT_US_CORE_BIRTHSEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
EXT_FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
EXT_FLAG_PRIORITY = "http://hl7.org/fhir/StructureDefinition/flag-priority"

#: LOINC "Patient Consent" document code, the usual Consent.category.
LOINC_PATIENT_CONSENT = "59284-0"
#: SNOMED CT "Patient referral (procedure)", the usual ServiceRequest.category of a referral.
SNOMED_PATIENT_REFERRAL = "3457005"

# --- Local code systems ---------------------------------------------------------------------

#: Observation codes where LOINC has none (local scores, staging, treatment-history facts).
CS_OBSERVATION = local_system("observation")
#: An answer's published integer code, as in the v1 API (meaningful with its item's linkId).
CS_ANSWER = local_system("answer-code")
#: Score bands (severity words of the v1 API: minimal, mild, …) and Maudsley bands.
CS_SCORE_BAND = local_system("score-band")
CS_CSSRS_RISK_LEVEL = local_system("cssrs-risk-level")
CS_THASE_RUSH_STAGE = local_system("thase-rush-stage")
CS_FLAG = local_system("screening-flag")
CS_RULESET = local_system("ruleset-version")
CS_MEDICATION = local_system("medication")
CS_PSYCHOTHERAPY = local_system("psychotherapy")
CS_NEUROMODULATION = local_system("neuromodulation")
CS_CONSENT_CATEGORY = local_system("consent-category")
CS_PROVIDER_TYPE = local_system("provider-type")
CS_IMPORT_RESULT = local_system("import-result")
#: Observation.method of the psychotic-features fact: who reported it (the v1 API's
#: ``psychotic_features_source``: self_report | clinician).
CS_REPORT_SOURCE = local_system("report-source")
REPORT_SOURCE_DISPLAYS = {"self_report": "Patient self-report", "clinician": "Clinician-confirmed"}

#: Consent.category code that marks the consent to screening.
CONSENT_SCREENING = "screening"

# --- Our extensions -------------------------------------------------------------------------

#: Patient: sex at birth as the v1 API codes it (female | male | intersex | unknown).
EXT_SEX_AT_BIRTH = extension_url("sex-at-birth")
#: MedicationStatement: weeksAtAdequateDose (weeks at or above the minimum dose), the deprecated
#: weeksAtMaxDose, adherence, outcome, currentEpisode (absent: not known), ongoing (optional) and
#: unlisted (true: a drug the catalogue does not list, named in medicationCodeableConcept.text).
EXT_MEDICATION_TRIAL = extension_url("medication-trial")
#: Procedure (psychotherapy or neuromodulation course): sessions, outcome, placement,
#: currentEpisode (sub-extensions).
EXT_TREATMENT_COURSE = extension_url("treatment-course")
#: Flag: the flag level of the v1 API (urgent | high | moderate | info).
EXT_FLAG_LEVEL = extension_url("flag-level")
#: OperationOutcome of a successful import: intake, status, urgent, riskLevel (sub-extensions).
EXT_INTAKE_CREATED = extension_url("intake-created")
# On a rejected import (400) whose risk answers were valid and show risk (issue 16): urgent,
# riskLevel, case and one crisisResource per line, as the JSON API's ``safety`` object.
EXT_SAFETY = extension_url("safety")

# --- Identifier systems ---------------------------------------------------------------------

#: The partner's own patient identifier (the v1 API's ``patient.external_id``).
ID_EXTERNAL = identifier_system("external-id")
ID_INTAKE = identifier_system("intake")
ID_PAYER = identifier_system("payer")
ID_REFERRAL = identifier_system("referral")

PRIVACY_NOTICE_PREFIX = f"{FHIR_BASE}/privacy-notice/"


def privacy_notice_url(version: str) -> str:
    return PRIVACY_NOTICE_PREFIX + version


# --- Observation codes ----------------------------------------------------------------------

#: Local codes for instrument results that LOINC does not code (clinical.md §4.13: "use local
#: codes"): instrument key -> (code, display).
LOCAL_SCORE_CODES: dict[str, tuple[str, str]] = {
    "mdq": ("mdq-yes-count", "MDQ question 1: number of yes answers"),
    "drug_screen": ("drug-screen-times", "Single-item drug screen: times in the past year"),
    "scoff": ("scoff-total", "SCOFF total score"),
    "ocd_screen": ("zf-ocs-yes-count", "ZF-OCS: number of yes answers to items 1-5"),
    "panic_screen": ("phq-panic-symptom-count", "PHQ panic module: Part B symptoms answered yes"),
    "ace": ("ace-total", "ACE score"),
}

OBS_THASE_RUSH_STAGE = ("thase-rush-stage", "Thase-Rush stage of treatment resistance")
OBS_THASE_RUSH_CHRONOLOGICAL = (
    "thase-rush-stage-chronological",
    "Thase-Rush stage, chronological reading",
)
OBS_ADEQUATE_FAILED_TRIALS = (
    "adequate-failed-trials",
    "Distinct antidepressants with an adequate, failed trial in the current episode",
)
OBS_MAUDSLEY_TOTAL = ("maudsley-total", "Maudsley Staging Method total score")
MAUDSLEY_COMPONENTS: dict[str, tuple[str, str]] = {
    "duration": ("maudsley-duration", "Maudsley: duration of current episode"),
    "severity": ("maudsley-severity", "Maudsley: symptom severity at baseline"),
    "antidepressant_failures": (
        "maudsley-antidepressant-failures",
        "Maudsley: treatment failures, antidepressants",
    ),
    "augmentation": ("maudsley-augmentation", "Maudsley: augmentation used"),
    "ect": ("maudsley-ect", "Maudsley: electroconvulsive therapy used"),
}
OBS_CURRENT_EPISODE_MONTHS = ("current-episode-months", "Duration of the current episode")
# Who reported them is the Observation's ``method`` (CS_REPORT_SOURCE).
OBS_PSYCHOTIC_FEATURES = ("psychotic-features", "Psychotic features")

#: Flag level -> (DetectedIssue.severity, flag-priority code, Flag.category code).
FLAG_LEVEL_SEVERITY = {"urgent": "high", "high": "high", "moderate": "moderate", "info": "low"}
FLAG_LEVEL_PRIORITY = {"urgent": "PH", "high": "PH", "moderate": "PM", "info": "PL"}
FLAG_PRIORITY_DISPLAY = {"PH": "High priority", "PM": "Medium priority", "PL": "Low priority"}


#: Displays of the psychotherapy types (the v1 API's codes).
PSYCHOTHERAPY_DISPLAYS = {
    "cbt": "Cognitive behavioural therapy",
    "mbct": "Mindfulness-based cognitive therapy",
    "behavioural_activation": "Behavioural activation",
    "interpersonal": "Interpersonal therapy",
    "psychodynamic": "Psychodynamic therapy",
    "dbt": "Dialectical behaviour therapy",
    "other": "Other psychotherapy",
}


def display_word(code: str) -> str:
    """``"moderately_severe"`` -> ``"Moderately severe"`` (displays of local codes)."""
    return words(code).capitalize()


def flag_display(code: str) -> str:
    """A flag code's display in the screening-flag code system (the flag catalogue's)."""
    info = FLAG_CATALOGUE.get(code)
    return info.display if info is not None else display_word(code)
