"""A FHIR R4B Bundle in, an intake out, through exactly the JSON API's validation and pipeline.

``fhir_intake_submit`` validates the Bundle with fhir.resources, translates it into the body of
``POST /api/v1/intakes/`` (remembering where in the Bundle each field came from), runs
``IntakeSubmissionSerializer`` on it and hands the validated data to ``intake_submit``: the
same serializer, service, safety decision and on-commit screening. Every problem is an
:class:`Issue` with a FHIRPath ``expression`` into the Bundle, returned as an OperationOutcome
(never a 500). The mapping, resource by resource, is documented for partners in the README's
"FHIR" section ("Import"); each ``_translate_*`` function below handles one resource type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pydantic
import structlog
from django.db import transaction
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue

from clinical.questionnaires import INSTRUMENTS
from intake.serializers import IntakeSubmissionSerializer
from intake.services import SubmittedIntake, intake_submit
from interop import codes
from interop.questionnaire import AnswerCodeError, option_value_for_coding
from ops.api import flatten_errors

log = structlog.get_logger(__name__)

US_CORE_BIRTHSEX = {"F": "female", "M": "male", "UNK": "unknown"}
GENDER_AS_SEX = {"female": "female", "male": "male", "other": "unknown", "unknown": "unknown"}
ACCEPTED_RESPONSE_STATUSES = ("completed", "amended")
SKIPPED_STATUSES = ("entered-in-error", "not-taken", "not-done")
MAX_ISSUES = 100


# --- Issues and OperationOutcome -------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One problem: a message safe to show (never the submitted value) and where it is."""

    message: str
    expression: tuple[str, ...] = ()
    code: str = "invalid"  # OperationOutcome issue type
    severity: str = "error"


class FHIRImportError(Exception):
    def __init__(self, issues: Iterable[Issue], submission: dict | None = None):
        self.issues = list(issues)[:MAX_ISSUES]
        # The JSON API body the Bundle translated to (as far as it could), for the safety
        # decision on a rejected import's risk answers; None when it could not be read.
        self.submission = submission
        super().__init__(f"{len(self.issues)} issue(s)")


def operation_outcome(issues: Iterable[Issue]) -> OperationOutcome:
    return OperationOutcome(
        issue=[
            OperationOutcomeIssue(
                severity=issue.severity,
                code=issue.code,
                diagnostics=issue.message,
                expression=list(issue.expression) or None,
            )
            for issue in issues
        ]
    )


# --- Reading helpers --------------------------------------------------------------------------


def _codings(concept: CodeableConcept | None):
    return list(concept.coding or []) if concept is not None else []


def _has_coding(concepts, system: str, code: str) -> bool:
    return any(
        coding.system == system and coding.code == code
        for concept in concepts or []
        for coding in _codings(concept)
    )


def _extension(resource, url: str):
    for ext in resource.extension or []:
        if ext.url == url:
            return ext
    return None


def _sub_extensions(ext) -> dict:
    return {sub.url: sub for sub in (ext.extension or [])} if ext is not None else {}


def _plain(value):
    """A FHIR primitive as the JSON value a client would have sent."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _first_value(element, *names):
    """The first ``value[x]`` set among ``names`` (e.g. valueInteger) as a plain value."""
    for name in names:
        value = getattr(element, name, None)
        if value is not None:
            return name, value
    return None, None


def _loc_expression(loc) -> str:
    out = "Bundle"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += "." + (f"_{part[:-5]}" if part.endswith("__ext") else part)
    return out


def _pydantic_issues(error: pydantic.ValidationError) -> list[Issue]:
    issues = []
    for detail in error.errors(include_input=False, include_url=False):
        message = str(detail.get("msg", "Invalid value.")).removeprefix("Value error, ")
        issues.append(Issue(message, (_loc_expression(detail.get("loc", ())),), "structure"))
    return issues


# --- Translation ------------------------------------------------------------------------------


@dataclass
class Translation:
    """The JSON API body built from a Bundle, and where each field path came from."""

    data: dict = field(default_factory=dict)
    locations: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    suppressed: set[tuple[str, ...]] = field(default_factory=set)  # reported already

    def at(self, path: tuple[str, ...], *expressions: str) -> None:
        self.locations[path] = tuple(expressions)

    def problem(self, message: str, *expressions: str, path=None, code="invalid") -> None:
        self.issues.append(Issue(message, tuple(expressions), code))
        if path is not None:
            self.suppressed.add(path)

    def expression_for(self, path: tuple[str, ...]) -> tuple[str, ...]:
        for end in range(len(path), 0, -1):
            if path[:end] in self.locations:
                return self.locations[path[:end]]
        return ("Bundle",)


@dataclass
class _Entries:
    bundle: Bundle
    by_type: dict[str, list[tuple[int, object]]] = field(default_factory=dict)

    def __post_init__(self):
        for index, entry in enumerate(self.bundle.entry or []):
            resource = entry.resource
            if resource is not None:
                self.by_type.setdefault(resource.get_resource_type(), []).append((index, resource))

    def of(self, resource_type: str) -> list[tuple[int, object]]:
        return self.by_type.get(resource_type, [])


def _validated_bundle(body: object) -> Bundle:
    if not isinstance(body, dict):
        raise FHIRImportError(
            [Issue("The body must be a FHIR Bundle (a JSON object).", (), "structure")]
        )
    if body.get("resourceType") != "Bundle":
        raise FHIRImportError(
            [Issue('The body must be a FHIR Bundle ("resourceType": "Bundle").', (), "structure")]
        )
    entries = body.get("entry")
    issues = []
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            kind = resource.get("resourceType") if isinstance(resource, dict) else None
            if isinstance(resource, dict) and not _is_resource_type(kind):
                issues.append(
                    Issue(
                        "Unknown FHIR R4B resource type.",
                        (f"Bundle.entry[{index}].resource.resourceType",),
                        "structure",
                    )
                )
    if issues:
        raise FHIRImportError(issues)
    try:
        return Bundle.model_validate(body)
    except pydantic.ValidationError as exc:
        raise FHIRImportError(_pydantic_issues(exc)) from None
    except (TypeError, ValueError, KeyError, AttributeError):
        raise FHIRImportError(
            [Issue("The Bundle is not valid FHIR R4B.", ("Bundle",), "structure")]
        ) from None


def _is_resource_type(kind: object) -> bool:
    if not isinstance(kind, str) or not kind.isidentifier():
        return False
    try:
        get_fhir_model_class(kind)
    except (KeyError, ValueError, AttributeError, ImportError):
        return False
    return True


class _PatientRefs:
    """The references that mean the Bundle's Patient."""

    def __init__(self, bundle: Bundle, index: int, patient):
        entry = bundle.entry[index]
        self.keys = set()
        if entry.fullUrl:
            self.keys.add(entry.fullUrl)
        if patient.id:
            self.keys |= {f"Patient/{patient.id}", f"urn:uuid:{patient.id}"}

    def check(self, translation: Translation, reference, expression: str) -> None:
        target = getattr(reference, "reference", None) if reference is not None else None
        if target is None or target in self.keys:
            return
        if any(target.endswith("/" + key) for key in self.keys if key.startswith("Patient/")):
            return
        translation.problem(
            "Does not refer to the Patient in this Bundle.", expression, code="invalid"
        )


def _translate_patient(translation: Translation, entries: _Entries) -> _PatientRefs | None:
    patients = entries.of("Patient")
    if not patients:
        translation.problem(
            "The Bundle needs a Patient resource.",
            "Bundle.entry",
            path=("patient",),
            code="required",
        )
        return None
    for index, _ in patients[1:]:
        translation.problem("Only one Patient per Bundle.", f"Bundle.entry[{index}].resource")
    index, patient = patients[0]
    at = f"Bundle.entry[{index}].resource"
    patient_fields: dict = {}
    translation.at(("patient",), at)

    identifiers = list(patient.identifier or [])
    chosen = next((i for i in identifiers if i.system == codes.ID_EXTERNAL), None)
    chosen = chosen or next(
        (i for i in identifiers if _has_coding([i.type], codes.V2_IDENTIFIER_TYPE, "MR")), None
    )
    chosen = chosen or (identifiers[0] if identifiers else None)
    if chosen is not None and chosen.value:
        patient_fields["external_id"] = chosen.value
        translation.at(("patient", "external_id"), f"{at}.identifier[{identifiers.index(chosen)}]")

    names = list(patient.name or [])
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    if name is not None:
        n = names.index(name)
        if name.given:
            patient_fields["given_name"] = " ".join(name.given)
            translation.at(("patient", "given_name"), f"{at}.name[{n}].given")
        if name.family:
            patient_fields["family_name"] = name.family
            translation.at(("patient", "family_name"), f"{at}.name[{n}].family")

    if patient.birthDate is not None:
        patient_fields["birth_date"] = _plain(patient.birthDate)
    translation.at(("patient", "birth_date"), f"{at}.birthDate")

    _translate_sex(patient_fields, translation, patient, at)

    for position, point in enumerate(patient.telecom or []):
        key = {"email": "email", "phone": "phone", "sms": "phone"}.get(point.system or "")
        if key and point.value and key not in patient_fields:
            patient_fields[key] = point.value
            translation.at(("patient", key), f"{at}.telecom[{position}]")

    addresses = list(patient.address or [])
    address = next((a for a in addresses if a.use == "home"), addresses[0] if addresses else None)
    if address is not None:
        a = addresses.index(address)
        if address.state:
            patient_fields["state"] = address.state
        if address.postalCode:
            patient_fields["postal_code"] = address.postalCode
            translation.at(("patient", "postal_code"), f"{at}.address[{a}].postalCode")
        translation.at(("patient", "state"), f"{at}.address[{a}].state")
    else:
        translation.at(("patient", "state"), f"{at}.address")

    communications = list(patient.communication or [])
    ordered = sorted(range(len(communications)), key=lambda i: not communications[i].preferred)
    languages = []
    for i in ordered:
        code = next((cd.code for cd in _codings(communications[i].language) if cd.code), None)
        if code:
            translation.at(
                ("patient", "preferred_languages", str(len(languages))), f"{at}.communication[{i}]"
            )
            languages.append(code)
    if languages:
        patient_fields["preferred_languages"] = languages
    translation.at(("patient", "preferred_languages"), f"{at}.communication")

    insurance = _translate_coverage(translation, entries)
    if insurance:
        patient_fields["insurance"] = insurance
    translation.data["patient"] = patient_fields
    return _PatientRefs(entries.bundle, index, patient)


def _translate_sex(patient_fields: dict, translation: Translation, patient, at: str) -> None:
    ours = _extension(patient, codes.EXT_SEX_AT_BIRTH)
    us_core = _extension(patient, codes.EXT_US_CORE_BIRTHSEX)
    if ours is not None and ours.valueCode:
        patient_fields["sex_at_birth"] = ours.valueCode
        translation.at(("patient", "sex_at_birth"), f"{at}.extension('{codes.EXT_SEX_AT_BIRTH}')")
    elif us_core is not None and us_core.valueCode:
        where = f"{at}.extension('{codes.EXT_US_CORE_BIRTHSEX}')"
        if us_core.valueCode in US_CORE_BIRTHSEX:
            patient_fields["sex_at_birth"] = US_CORE_BIRTHSEX[us_core.valueCode]
        else:
            translation.problem(
                "US Core birth sex must be F, M or UNK here; for other values use the "
                f"extension {codes.EXT_SEX_AT_BIRTH} (female, male, intersex, unknown).",
                where,
                path=("patient", "sex_at_birth"),
            )
        translation.at(("patient", "sex_at_birth"), where)
    elif patient.gender:
        patient_fields["sex_at_birth"] = GENDER_AS_SEX.get(patient.gender, patient.gender)
        translation.at(("patient", "sex_at_birth"), f"{at}.gender")
    else:
        translation.at(("patient", "sex_at_birth"), f"{at}.extension('{codes.EXT_SEX_AT_BIRTH}')")


def _translate_coverage(translation: Translation, entries: _Entries) -> dict:
    insurance: dict = {}
    for index, coverage in entries.of("Coverage"):
        if coverage.status != "active":
            continue
        at = f"Bundle.entry[{index}].resource"
        if _has_coding([coverage.type], codes.COVERAGE_SELFPAY, "pay"):
            insurance["self_pay"] = True
            translation.at(("patient", "insurance", "self_pay"), f"{at}.type")
            continue
        for n, payor in enumerate(coverage.payor or []):
            identifier = payor.identifier
            if identifier is not None and identifier.system == codes.ID_PAYER and identifier.value:
                insurance.setdefault("payer", identifier.value)
                translation.at(("patient", "insurance", "payer"), f"{at}.payor[{n}].identifier")
    return insurance


def _translate_consent(
    translation: Translation, entries: _Entries, refs: _PatientRefs | None
) -> None:
    consents = [
        (index, consent)
        for index, consent in entries.of("Consent")
        if _has_coding(consent.category, codes.CS_CONSENT_CATEGORY, codes.CONSENT_SCREENING)
    ]
    if not consents:
        translation.problem(
            "A Consent resource with category "
            f"{codes.CS_CONSENT_CATEGORY}|{codes.CONSENT_SCREENING} is required: it states the "
            "patient's consent to screening and the privacy notice version (policy.uri "
            f"{codes.PRIVACY_NOTICE_PREFIX}<version>).",
            "Bundle.entry",
            path=("consent",),
            code="required",
        )
        return
    index, consent = consents[0]
    at = f"Bundle.entry[{index}].resource"
    if refs is not None:
        refs.check(translation, consent.patient, f"{at}.patient")
    denied = consent.provision is not None and consent.provision.type == "deny"
    given = consent.status == "active" and not denied
    translation.at(("consent",), at)
    translation.at(
        ("consent", "screening"), f"{at}.status" if not denied else f"{at}.provision.type"
    )
    policies = list(consent.policy or [])
    version = None
    for n, policy in enumerate(policies):
        if policy.uri and policy.uri.startswith(codes.PRIVACY_NOTICE_PREFIX):
            version = policy.uri.removeprefix(codes.PRIVACY_NOTICE_PREFIX)
            translation.at(("consent", "privacy_notice_version"), f"{at}.policy[{n}].uri")
            break
    consent_data = {"screening": given}
    if version:
        consent_data["privacy_notice_version"] = version
    else:
        translation.problem(
            "State the privacy notice version the patient was shown as a policy.uri "
            f"{codes.PRIVACY_NOTICE_PREFIX}<version>.",
            f"{at}.policy",
            path=("consent", "privacy_notice_version"),
            code="required",
        )
    translation.data["consent"] = consent_data


def _instrument_for(canonical: str | None):
    url, _, version = (canonical or "").partition("|")
    for instrument in INSTRUMENTS.values():
        if url == codes.questionnaire_url(instrument.key):
            return instrument, version
    return None, version


def _flat_items(items, at: str):
    """(linkId, answers, expression) for every item, nested groups and answers flattened."""
    for position, item in enumerate(items or []):
        here = f"{at}.item[{position}]"
        yield item, here
        yield from _flat_items(item.item, here)
        for n, answer in enumerate(item.answer or []):
            yield from _flat_items(answer.item, f"{here}.answer[{n}]")


def _answer_value(translation: Translation, instrument, item, answer, where: str):
    name, value = _first_value(
        answer,
        "valueBoolean",
        "valueInteger",
        "valueCoding",
        "valueDecimal",
        "valueString",
        "valueDate",
        "valueDateTime",
        "valueTime",
        "valueQuantity",
        "valueReference",
        "valueAttachment",
        "valueUri",
    )
    if name is None:
        return None
    if name == "valueCoding":
        known = next((i for i in instrument.items if i.key == item.linkId), None)
        if known is None or known.kind == "count":
            return value.code
        try:
            return option_value_for_coding(known, value.system, value.code)
        except AnswerCodeError as exc:
            translation.problem(
                str(exc),
                f"{where}.valueCoding",
                path=("answers", instrument.key, item.linkId),
            )
            return None
    if name in ("valueQuantity", "valueReference", "valueAttachment"):
        return {}  # not an answer any item takes; the serializer says what it wants
    return _plain(value)


def _translate_responses(
    translation: Translation, entries: _Entries, refs: _PatientRefs | None
) -> None:
    answers: dict = {}
    for index, response in entries.of("QuestionnaireResponse"):
        at = f"Bundle.entry[{index}].resource"
        instrument, version = _instrument_for(response.questionnaire)
        if instrument is None:
            translation.problem(
                "Unknown Questionnaire: use one of this service's canonical URLs, "
                f"{codes.questionnaire_url('<instrument key>')} (see GET /api/v1/instruments/).",
                f"{at}.questionnaire",
            )
            continue
        if version and version != instrument.version:
            translation.problem(
                f"This service has version {instrument.version} of this Questionnaire.",
                f"{at}.questionnaire",
            )
            continue
        if instrument.key in answers:
            translation.problem("A second response to the same Questionnaire.", at)
            continue
        if response.status not in ACCEPTED_RESPONSE_STATUSES:
            translation.problem(
                "Only completed QuestionnaireResponses are accepted.", f"{at}.status"
            )
            continue
        if refs is not None:
            refs.check(translation, response.subject, f"{at}.subject")
        translation.at(("answers", instrument.key), at)
        values: dict = {}
        for item, where in _flat_items(response.item, at):
            link = item.linkId
            given = list(item.answer or [])
            if not given:
                continue
            path = ("answers", instrument.key, link)
            if link in values or path in translation.suppressed:
                translation.problem("This item is answered more than once.", where, path=path)
                continue
            translation.at(path, f"{at}.item.where(linkId='{link}')", where)
            if len(given) > 1:
                translation.problem("One answer expected.", f"{where}.answer", path=path)
                continue
            value = _answer_value(translation, instrument, item, given[0], f"{where}.answer[0]")
            if value is not None:
                values[link] = value
        for known in instrument.items:  # where a missing item would have been
            translation.locations.setdefault(
                ("answers", instrument.key, known.key), (f"{at}.item.where(linkId='{known.key}')",)
            )
        answers[instrument.key] = values
    for key in INSTRUMENTS:
        if key not in answers:
            translation.at(
                ("answers", key),
                "Bundle.entry.resource.ofType(QuestionnaireResponse)"
                f".where(questionnaire.startsWith('{codes.questionnaire_url(key)}'))",
            )
    translation.data["answers"] = answers


def _weeks(value_ext):
    if value_ext is None:
        return None
    if value_ext.valueQuantity is not None:
        q = value_ext.valueQuantity
        if q.code not in (None, "wk"):
            return "unit"
        return _plain(q.value)
    _, value = _first_value(value_ext, "valueDecimal", "valueInteger")
    return _plain(value)


def _translate_medications(translation: Translation, entries: _Entries, refs) -> list:
    trials = []
    for index, statement in entries.of("MedicationStatement"):
        if statement.status in SKIPPED_STATUSES:
            continue
        at = f"Bundle.entry[{index}].resource"
        n = str(len(trials))
        path = ("treatment_history", "medication_trials", n)
        translation.at(path, at)
        if refs is not None:
            refs.check(translation, statement.subject, f"{at}.subject")
        trial: dict = {}
        concept = statement.medicationCodeableConcept
        if concept is not None:
            ours = next(
                (cd.code for cd in _codings(concept) if cd.system == codes.CS_MEDICATION), None
            )
            name = (
                ours
                or concept.text
                or next(
                    (cd.display or cd.code for cd in _codings(concept) if cd.display or cd.code),
                    None,
                )
            )
            if name:
                trial["medication"] = name
        translation.at((*path, "medication"), f"{at}.medicationCodeableConcept")

        dose_at = f"{at}.dosage[0].maxDosePerPeriod"
        translation.at((*path, "max_daily_dose_mg"), dose_at)
        dosage = (statement.dosage or [None])[0]
        ratio = dosage.maxDosePerPeriod if dosage is not None else None
        if ratio is not None and ratio.numerator is not None:
            numerator, denominator = ratio.numerator, ratio.denominator
            per_day = denominator is None or (
                (denominator.code, _plain(denominator.value)) in (("d", 1), ("h", 24))
            )
            if numerator.code not in (None, "mg", "ug") or not per_day:
                translation.problem(
                    "Give the highest daily dose in mg (or ug) per 1 d (UCUM mg / d).",
                    dose_at,
                    path=(*path, "max_daily_dose_mg"),
                )
            elif numerator.value is not None:
                trial["max_daily_dose_mg"] = _plain(numerator.value)
                if numerator.code == "ug":  # liothyronine is prescribed in micrograms
                    trial["dose_unit"] = "µg"

        ext_at = f"{at}.extension('{codes.EXT_MEDICATION_TRIAL}')"
        details = _sub_extensions(_extension(statement, codes.EXT_MEDICATION_TRIAL))
        # weeksAtAdequateDose (weeks at or above the minimum dose) is read; weeksAtMaxDose is
        # the deprecated older sub-extension, still accepted.
        for key, sub_url in (
            ("weeks_at_adequate_dose", "weeksAtAdequateDose"),
            ("weeks_at_max_dose", "weeksAtMaxDose"),
        ):
            weeks = _weeks(details.get(sub_url))
            translation.at((*path, key), f"{ext_at}.extension('{sub_url}')")
            if weeks == "unit":
                translation.problem(
                    f"Give {sub_url} in weeks (UCUM wk).",
                    f"{ext_at}.extension('{sub_url}')",
                    path=(*path, key),
                )
            elif weeks is not None:
                trial[key] = weeks
        for key, sub_url, value_name in (
            ("adherence", "adherence", "valueCode"),
            ("outcome", "outcome", "valueCode"),
            ("current_episode", "currentEpisode", "valueBoolean"),
            ("ongoing", "ongoing", "valueBoolean"),
            ("unlisted", "unlisted", "valueBoolean"),
        ):
            translation.at((*path, key), f"{ext_at}.extension('{sub_url}')")
            value = getattr(details.get(sub_url), value_name, None)
            if value is not None:
                trial[key] = value
        trials.append(trial)
    return trials


def _translate_procedures(translation: Translation, entries: _Entries, refs) -> tuple[list, list]:
    lists = {"psychotherapy_trials": [], "neuromodulation": []}
    for index, procedure in entries.of("Procedure"):
        codings = _codings(procedure.code)
        kind = None
        for coding in codings:
            if coding.system == codes.CS_PSYCHOTHERAPY:
                kind = "psychotherapy_trials"
            elif coding.system == codes.CS_NEUROMODULATION:
                kind = "neuromodulation"
            if kind:
                course_type = coding.code
                break
        if kind is None or procedure.status in SKIPPED_STATUSES:
            continue
        at = f"Bundle.entry[{index}].resource"
        path = ("treatment_history", kind, str(len(lists[kind])))
        translation.at(path, at)
        translation.at((*path, "type"), f"{at}.code")
        if refs is not None:
            refs.check(translation, procedure.subject, f"{at}.subject")
        course: dict = {"type": course_type}
        ext_at = f"{at}.extension('{codes.EXT_TREATMENT_COURSE}')"
        details = _sub_extensions(_extension(procedure, codes.EXT_TREATMENT_COURSE))
        wanted = [("sessions", "sessions", "valueInteger"), ("outcome", "outcome", "valueCode")]
        if kind == "neuromodulation":
            wanted += [
                ("placement", "placement", "valueCode"),
                ("current_episode", "currentEpisode", "valueBoolean"),
            ]
        for key, sub_url, value_name in wanted:
            translation.at((*path, key), f"{ext_at}.extension('{sub_url}')")
            value = getattr(details.get(sub_url), value_name, None)
            if value is not None:
                course[key] = value
        lists[kind].append(course)
    return lists["psychotherapy_trials"], lists["neuromodulation"]


def _report_source(translation: Translation, observation, at: str) -> str | None:
    """The psychotic-features Observation's ``method`` in CS_REPORT_SOURCE (optional)."""
    sources = [
        cd.code for cd in _codings(observation.method) if cd.system == codes.CS_REPORT_SOURCE
    ]
    if not sources:
        return None
    path = ("treatment_history", "psychotic_features_source")
    translation.at(path, f"{at}.method")
    if sources[0] not in codes.REPORT_SOURCE_DISPLAYS:
        translation.problem(
            f"Unknown report source: use {' or '.join(codes.REPORT_SOURCE_DISPLAYS)}.",
            f"{at}.method",
            path=path,
        )
        return None
    return sources[0]


def _translate_history_facts(translation: Translation, entries: _Entries, refs) -> dict:
    facts: dict = {}
    for index, observation in entries.of("Observation"):
        observation_codes = {
            cd.code for cd in _codings(observation.code) if cd.system == codes.CS_OBSERVATION
        }
        at = f"Bundle.entry[{index}].resource"
        if codes.OBS_CURRENT_EPISODE_MONTHS[0] in observation_codes:
            path = ("treatment_history", "current_episode_months")
            translation.at(path, f"{at}.valueQuantity")
            q = observation.valueQuantity
            if q is None or q.code not in (None, "mo"):
                translation.problem(
                    "Give the duration as valueQuantity in months (UCUM mo).",
                    f"{at}.value",
                    path=path,
                )
            else:
                facts["current_episode_months"] = _plain(q.value)
        elif codes.OBS_PSYCHOTIC_FEATURES[0] in observation_codes:
            translation.at(("treatment_history", "psychotic_features"), f"{at}.valueBoolean")
            if observation.valueBoolean is not None:
                facts["psychotic_features"] = observation.valueBoolean
            source = _report_source(translation, observation, at)
            if source:
                facts["psychotic_features_source"] = source
        else:
            continue
        if refs is not None:
            refs.check(translation, observation.subject, f"{at}.subject")
    return facts


def bundle_to_submission(body: object) -> Translation:
    """The JSON API body for a Bundle; raises FHIRImportError when it is not a valid Bundle."""
    entries = _Entries(_validated_bundle(body))
    translation = Translation()
    refs = _translate_patient(translation, entries)
    _translate_consent(translation, entries, refs)
    _translate_responses(translation, entries, refs)
    history = _translate_history_facts(translation, entries, refs)
    trials = _translate_medications(translation, entries, refs)
    psychotherapy, neuromodulation = _translate_procedures(translation, entries, refs)
    if trials:
        history["medication_trials"] = trials
    if psychotherapy:
        history["psychotherapy_trials"] = psychotherapy
    if neuromodulation:
        history["neuromodulation"] = neuromodulation
    if history:
        translation.data["treatment_history"] = history
    return translation


# --- Serializer errors -> issues ----------------------------------------------------------------


def serializer_issues(translation: Translation, errors) -> list[Issue]:
    issues = []
    for path, message in flatten_errors(errors):
        path = tuple(part for part in path if part != "non_field_errors")
        if any(path[: len(s)] == s for s in translation.suppressed):
            continue
        code = "required" if message == "This field is required." else "invalid"
        issues.append(Issue(message, translation.expression_for(path), code))
    return issues


# --- The service ------------------------------------------------------------------------------


def fhir_intake_submit(*, body: object, submitted_by) -> SubmittedIntake:
    """Validate a Bundle as the JSON API would and store it with ``intake_submit``."""
    try:
        translation = bundle_to_submission(body)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        # A Bundle shape the translation did not foresee is still the client's input: a 400.
        log.warning("fhir_import_unreadable", error=type(exc).__name__)
        raise FHIRImportError(
            [Issue("The Bundle could not be read as an intake.", ("Bundle",), "structure")]
        ) from None
    serializer = IntakeSubmissionSerializer(data=translation.data)
    valid = serializer.is_valid()
    issues = translation.issues + (
        [] if valid else serializer_issues(translation, serializer.errors)
    )
    if issues:
        raise FHIRImportError(issues, submission=translation.data)
    with transaction.atomic():
        return intake_submit(
            data=serializer.validated_data, source="api", submitted_by=submitted_by
        )
