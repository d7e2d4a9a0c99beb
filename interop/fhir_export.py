"""One intake as a FHIR R4B ``collection`` Bundle, built and validated with fhir.resources.

The resources it holds are listed for partners in the README's "FHIR" section ("Export"). Only
what exists is exported (a pending screening has no score, stage or flag resources beyond the
``suicide_risk`` flag written at submission). Resource ids are ``uuid5(intake id, name)`` (the
patient keeps its own id), so exporting twice gives the same ids; entries are addressed by
``urn:uuid:`` full URLs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.consent import Consent, ConsentPolicy, ConsentProvision
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.detectedissue import DetectedIssue, DetectedIssueEvidence
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.patient import Patient, PatientCommunication
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.ratio import Ratio
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest

from clinical.medications import MEDICATIONS
from clinical.questionnaires import INSTRUMENTS
from clinical.rules.flag_catalogue import FLAG_CATALOGUE
from intake.models import Intake, TrialOutcome
from interop import codes
from interop.questionnaire import answer_fields, questionnaire_canonical
from referrals.models import Referral
from screening.api_sections import current_run, prefetch_screening, screening_block
from screening.models import RunStatus

#: What ``intake_bundle`` reads; prefetch it when exporting.
EXPORT_PREFETCH = (
    "responses",
    "medication_trials",
    "psychotherapy_trials",
    "neuromodulation",
)

BIRTHSEX_US_CORE = {"female": "F", "male": "M", "unknown": "UNK"}  # intersex has no US Core code
MEDICATION_STATUS = {
    TrialOutcome.STOPPED_SIDE_EFFECTS: "stopped",
    TrialOutcome.TOO_EARLY_TO_TELL: "active",
}
PROCEDURE_STATUS = {
    TrialOutcome.STOPPED_SIDE_EFFECTS: "stopped",
    TrialOutcome.TOO_EARLY_TO_TELL: "in-progress",
}
REFERRAL_STATUS = {
    "draft": "draft",
    "sent": "active",
    "accepted": "active",
    "scheduled": "active",
    "completed": "completed",
    "declined": "revoked",
    "cancelled": "revoked",
}


def prefetch_for_export(queryset):
    """The queryset with everything ``intake_bundle`` reads."""
    return prefetch_screening(
        queryset.select_related("patient").prefetch_related(*EXPORT_PREFETCH)
    ).prefetch_related("referrals__provider")


# --- Small builders ---------------------------------------------------------------------------


def coding(system: str, code: str, display: str | None = None) -> Coding:
    return Coding(system=system, code=code, display=display)


def concept(system: str, code: str, display: str | None = None, text: str | None = None):
    return CodeableConcept(coding=[coding(system, code, display)], text=text)


def quantity(value, unit: str, code: str) -> Quantity:
    return Quantity(value=_number(value), unit=unit, system=codes.UCUM, code=code)


def _number(value):
    """A Decimal as the plain number it is (150, not 150.0000)."""
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sub(url: str, **value) -> Extension:
    return Extension(url=url, **value)


SURVEY = concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")


@dataclass
class _Builder:
    intake: Intake
    entries: list[BundleEntry] = field(default_factory=list)
    responses: dict[str, Reference] = field(default_factory=dict)  # instrument -> QR
    scores: dict[str, Reference] = field(default_factory=dict)  # instrument -> Observation
    trials: dict[int, Reference] = field(default_factory=dict)  # position -> MedStatement
    flags: list[Reference] = field(default_factory=list)
    stage: Reference | None = None

    def id_for(self, name: str) -> str:
        return str(uuid.uuid5(self.intake.id, name))

    def add(self, resource: Resource, display: str | None = None) -> Reference:
        self.entries.append(BundleEntry(fullUrl=f"urn:uuid:{resource.id}", resource=resource))
        return Reference(reference=f"urn:uuid:{resource.id}", display=display)

    @property
    def patient(self) -> Reference:
        return Reference(reference=f"urn:uuid:{self.intake.patient_id}")

    @property
    def submitted_at(self):
        return self.intake.submitted_at


# --- Patient, consent, coverage ---------------------------------------------------------------


def patient_resource(patient) -> Patient:
    extension = [sub(codes.EXT_SEX_AT_BIRTH, valueCode=patient.sex_at_birth)]
    if patient.sex_at_birth in BIRTHSEX_US_CORE:
        extension.append(
            sub(codes.EXT_US_CORE_BIRTHSEX, valueCode=BIRTHSEX_US_CORE[patient.sex_at_birth])
        )
    fields: dict = {"id": str(patient.pk), "extension": extension}
    if patient.external_id:
        fields["identifier"] = [
            Identifier(
                use="usual",
                type=concept(codes.V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
                system=codes.ID_EXTERNAL,
                value=patient.external_id,
            )
        ]
    if patient.given_name or patient.family_name:
        fields["name"] = [
            HumanName(
                use="official",
                family=patient.family_name or None,
                given=[patient.given_name] if patient.given_name else None,
            )
        ]
    telecom = []
    if patient.email:
        telecom.append(ContactPoint(system="email", value=patient.email))
    if patient.phone:
        telecom.append(ContactPoint(system="phone", value=patient.phone))
    fields["telecom"] = telecom or None
    if patient.birth_date:
        fields["birthDate"] = patient.birth_date
    fields["address"] = [
        Address(state=patient.state, postalCode=patient.postal_code or None, country="US")
    ]
    if patient.preferred_languages:
        fields["communication"] = [
            PatientCommunication(
                language=concept(codes.BCP47, language), preferred=True if i == 0 else None
            )
            for i, language in enumerate(patient.preferred_languages)
        ]
    return Patient(**fields)


def consent_resource(builder: _Builder) -> Consent:
    intake = builder.intake
    return Consent(
        id=builder.id_for("Consent/screening"),
        status="active" if intake.consent_screening else "rejected",
        scope=concept(codes.CONSENT_SCOPE, "treatment", "Treatment"),
        category=[
            concept(codes.LOINC, codes.LOINC_PATIENT_CONSENT, "Patient Consent"),
            concept(codes.CS_CONSENT_CATEGORY, codes.CONSENT_SCREENING, "Consent to screening"),
        ],
        patient=builder.patient,
        dateTime=intake.submitted_at,
        policy=[ConsentPolicy(uri=codes.privacy_notice_url(intake.privacy_notice_version))],
        provision=ConsentProvision(type="permit" if intake.consent_screening else "deny"),
    )


def coverage_resources(builder: _Builder) -> list[Coverage]:
    patient = builder.intake.patient
    out = []
    if patient.insurance_payer:
        out.append(
            Coverage(
                id=builder.id_for("Coverage/payer"),
                status="active",
                beneficiary=builder.patient,
                payor=[
                    Reference(
                        identifier=Identifier(system=codes.ID_PAYER, value=patient.insurance_payer),
                        display=patient.insurance_payer,
                    )
                ],
            )
        )
    if patient.self_pay:
        out.append(
            Coverage(
                id=builder.id_for("Coverage/self-pay"),
                status="active",
                type=concept(codes.COVERAGE_SELFPAY, "pay", "PAY"),
                beneficiary=builder.patient,
                payor=[builder.patient],
            )
        )
    return out


# --- Answers ------------------------------------------------------------------------------------


def questionnaire_response(builder: _Builder, key: str, answers: dict) -> QuestionnaireResponse:
    instrument = INSTRUMENTS[key]
    items = [
        QuestionnaireResponseItem(
            linkId=item.key,
            text=item.text,
            answer=[QuestionnaireResponseItemAnswer(**answer_fields(item, answers[item.key]))],
        )
        for item in instrument.items
        if item.key in answers
    ]
    return QuestionnaireResponse(
        id=builder.id_for(f"QuestionnaireResponse/{key}"),
        identifier=Identifier(system=codes.ID_INTAKE, value=f"{builder.intake.id}/{key}"),
        questionnaire=questionnaire_canonical(instrument),
        status="completed",
        subject=builder.patient,
        source=builder.patient,
        authored=builder.submitted_at,
        item=items or None,
    )


# --- Scores, staging, treatment-history facts -------------------------------------------------


def score_code(key: str) -> CodeableConcept:
    instrument = INSTRUMENTS[key]
    if instrument.loinc_total:
        noun = "risk level" if key == "cssrs_screen" else "total score"
        display = f"{instrument.short_name} {noun}"
        return concept(codes.LOINC, instrument.loinc_total, display, text=display)
    code, display = codes.LOCAL_SCORE_CODES.get(
        key, (f"{key}-total", f"{instrument.short_name} score")
    )
    return concept(codes.CS_OBSERVATION, code, display, text=display)


def _interpretation(score: dict) -> list[CodeableConcept] | None:
    out = []
    if score.get("severity"):
        band = score["severity"]
        out.append(concept(codes.CS_SCORE_BAND, band, codes.display_word(band)))
    if score.get("positive") is not None:
        positive = score["positive"]
        out.append(
            concept(
                codes.V3_INTERPRETATION,
                "POS" if positive else "NEG",
                "Positive" if positive else "Negative",
            )
        )
    return out or None


def _observation(builder: _Builder, name: str, code: CodeableConcept, **fields) -> Observation:
    run = current_run(builder.intake)
    issued = run.completed_at if run and run.completed_at else None
    return Observation(
        id=builder.id_for(f"Observation/{name}"),
        status="final",
        code=code,
        subject=builder.patient,
        effectiveDateTime=builder.submitted_at,
        issued=issued,
        **fields,
    )


def _method(ruleset_version: str) -> CodeableConcept:
    return concept(codes.CS_RULESET, ruleset_version, f"TRD screening ruleset {ruleset_version}")


def score_observation(builder: _Builder, key: str, score: dict, ruleset: str) -> Observation:
    fields: dict = {
        "category": [SURVEY],
        "interpretation": _interpretation(score),
        "method": _method(ruleset),
    }
    if key in builder.responses:
        fields["derivedFrom"] = [builder.responses[key]]
    if key == "cssrs_screen" and score.get("risk_level"):
        level = score["risk_level"]
        fields["valueCodeableConcept"] = concept(
            codes.CS_CSSRS_RISK_LEVEL, level, codes.display_word(level)
        )
    elif score.get("total") is not None:
        fields["valueInteger"] = score["total"]
    else:
        fields["dataAbsentReason"] = concept(
            codes.DATA_ABSENT_REASON, "not-performed", "Not Performed"
        )
        missing = score.get("missing_items")
        if missing:
            fields["note"] = [Annotation(text="Not scored; missing items: " + ", ".join(missing))]
    return _observation(builder, f"score/{key}", score_code(key), **fields)


def stage_observation(builder: _Builder, trd: dict, ruleset: str) -> Observation:
    stage = trd["thase_rush_stage"]
    components = [
        ObservationComponent(
            code=concept(codes.CS_OBSERVATION, *codes.OBS_ADEQUATE_FAILED_TRIALS),
            valueInteger=trd["adequate_failed_trials"],
        )
    ]
    chronological = trd.get("thase_rush_stage_chronological")
    if chronological is not None:
        components.append(
            ObservationComponent(
                code=concept(codes.CS_OBSERVATION, *codes.OBS_THASE_RUSH_CHRONOLOGICAL),
                valueCodeableConcept=concept(
                    codes.CS_THASE_RUSH_STAGE, chronological, f"Stage {chronological}"
                ),
            )
        )
    return _observation(
        builder,
        "thase-rush-stage",
        concept(
            codes.CS_OBSERVATION, *codes.OBS_THASE_RUSH_STAGE, text=codes.OBS_THASE_RUSH_STAGE[1]
        ),
        valueCodeableConcept=concept(codes.CS_THASE_RUSH_STAGE, stage, f"Stage {stage}"),
        component=components,
        method=_method(ruleset),
    )


def maudsley_observation(builder: _Builder, maudsley: dict, ruleset: str) -> Observation:
    band = maudsley.get("band") or "not_applicable"
    fields: dict = {
        "interpretation": [concept(codes.CS_SCORE_BAND, band, codes.display_word(band))],
        "method": _method(ruleset),
    }
    if maudsley.get("total") is not None:
        fields["valueInteger"] = maudsley["total"]
    else:
        fields["dataAbsentReason"] = concept(
            codes.DATA_ABSENT_REASON, "not-applicable", "Not Applicable"
        )
    components = [
        ObservationComponent(
            code=concept(codes.CS_OBSERVATION, *codes.MAUDSLEY_COMPONENTS[name]),
            valueInteger=points,
        )
        for name, points in (maudsley.get("components") or {}).items()
        if name in codes.MAUDSLEY_COMPONENTS and points is not None
    ]
    fields["component"] = components or None
    if "phq9" in builder.responses:
        fields["derivedFrom"] = [builder.responses["phq9"]]
    return _observation(
        builder,
        "maudsley",
        concept(codes.CS_OBSERVATION, *codes.OBS_MAUDSLEY_TOTAL, text=codes.OBS_MAUDSLEY_TOTAL[1]),
        **fields,
    )


def psychotic_features_method(intake) -> dict:
    """``method``: who reported the psychotic features (none when none are reported)."""
    source = intake.psychotic_features_source
    if not (intake.psychotic_features and source):
        return {}
    return {"method": concept(codes.CS_REPORT_SOURCE, source, codes.REPORT_SOURCE_DISPLAYS[source])}


def history_observations(builder: _Builder) -> list[Observation]:
    intake = builder.intake
    out = []
    if intake.current_episode_months is not None:
        out.append(
            _observation(
                builder,
                "current-episode-months",
                concept(codes.CS_OBSERVATION, *codes.OBS_CURRENT_EPISODE_MONTHS),
                category=[SURVEY],
                valueQuantity=quantity(intake.current_episode_months, "months", "mo"),
            )
        )
    out.append(
        _observation(
            builder,
            "psychotic-features",
            concept(codes.CS_OBSERVATION, *codes.OBS_PSYCHOTIC_FEATURES),
            category=[SURVEY],
            valueBoolean=intake.psychotic_features,
            **psychotic_features_method(intake),
        )
    )
    return out


# --- Treatment courses ------------------------------------------------------------------------


def medication_statement(builder: _Builder, trial, review: dict | None) -> MedicationStatement:
    medication = MEDICATIONS.get(trial.medication)
    unlisted = medication is None
    name = medication.name if medication else (trial.medication_name or trial.medication)
    unit = medication.dose_unit if medication else "mg/day"
    known_dose = trial.max_daily_dose_mg is not None
    dose = _number(trial.max_daily_dose_mg)
    details = [
        sub(name_, valueQuantity=quantity(value, "weeks", "wk"))
        for name_, value in (
            ("weeksAtAdequateDose", trial.weeks_at_adequate_dose),
            ("weeksAtMaxDose", trial.weeks_at_max_dose),  # deprecated; only when given
        )
        if value is not None
    ]
    details += [
        sub("adherence", valueCode=trial.adherence),
        sub("outcome", valueCode=trial.outcome),
    ]
    if trial.current_episode is not None:  # absent: not known
        details.append(sub("currentEpisode", valueBoolean=trial.current_episode))
    if trial.ongoing is not None:  # still taken at intake; absent when the patient did not say
        details.append(sub("ongoing", valueBoolean=trial.ongoing))
    if unlisted:
        details.append(sub("unlisted", valueBoolean=True))
    status = MEDICATION_STATUS.get(trial.outcome, "unknown")
    note = None
    if review:
        reading = review.get("status", "")
        reasons = ", ".join(review.get("reasons") or [])
        note = [
            Annotation(
                text=f"Screening reading: {reading.replace('_', ' ')}"
                + (f" ({reasons})" if reasons else "")
            )
        ]
    return MedicationStatement(
        id=builder.id_for(f"MedicationStatement/{trial.position}"),
        status=status,
        statusReason=(
            [CodeableConcept(text="Stopped because of side effects")]
            if trial.outcome == TrialOutcome.STOPPED_SIDE_EFFECTS
            else None
        ),
        medicationCodeableConcept=(
            CodeableConcept(text=name)
            if unlisted
            else concept(codes.CS_MEDICATION, trial.medication, name, text=name)
        ),
        subject=builder.patient,
        informationSource=builder.patient,
        dateAsserted=builder.submitted_at,
        dosage=[
            Dosage(
                text=f"Highest daily dose reached: {dose} {unit}",
                maxDosePerPeriod=Ratio(
                    numerator=quantity(trial.max_daily_dose_mg, "mg", "mg"),
                    denominator=quantity(1, "day", "d"),
                ),
            )
            if known_dose
            else Dosage(text="Highest daily dose: not known")
        ],
        note=note,
        extension=[Extension(url=codes.EXT_MEDICATION_TRIAL, extension=details)],
    )


def course_procedure(builder: _Builder, course, *, kind: str) -> Procedure:
    system = codes.CS_PSYCHOTHERAPY if kind == "psychotherapy" else codes.CS_NEUROMODULATION
    if kind == "psychotherapy":
        display = codes.PSYCHOTHERAPY_DISPLAYS.get(course.type, codes.display_word(course.type))
    else:
        display = course.get_type_display()
    details = []
    if course.sessions is not None:
        details.append(sub("sessions", valueInteger=course.sessions))
    details.append(sub("outcome", valueCode=course.outcome))
    if getattr(course, "placement", ""):
        details.append(sub("placement", valueCode=course.placement))
    if getattr(course, "current_episode", None) is not None:  # absent: not known
        details.append(sub("currentEpisode", valueBoolean=course.current_episode))
    return Procedure(
        id=builder.id_for(f"Procedure/{kind}/{course.position}"),
        status=PROCEDURE_STATUS.get(course.outcome, "completed"),
        category=CodeableConcept(text=kind.capitalize()),
        code=concept(system, course.type, display, text=display),
        subject=builder.patient,
        extension=[Extension(url=codes.EXT_TREATMENT_COURSE, extension=details)],
    )


# --- Flags ------------------------------------------------------------------------------------


def _implicated(builder: _Builder, code: str, trd: dict | None) -> list[Reference]:
    """The score Observations (the catalogue's instruments of the flag), trials and stage a
    flag is about."""
    info = FLAG_CATALOGUE.get(code)
    instruments = info.instruments if info is not None else ()
    refs = [builder.scores[key] for key in instruments if key in builder.scores]
    if trd and code == "possible_trd":
        refs += [builder.trials[i] for i in trd.get("failed_trials", []) if i in builder.trials]
        if builder.stage is not None:
            refs.append(builder.stage)
    if trd and code == "pseudo_resistance":
        indexes = [trial["index"] for trial in trd.get("inadequate_trials", [])]
        refs += [builder.trials[i] for i in indexes if i in builder.trials]
    return refs


def flag_resources(
    builder: _Builder, flag: dict, trd: dict | None, when
) -> tuple[DetectedIssue, Flag]:
    code, level = flag["code"], flag["level"]
    display = codes.flag_display(code)
    flag_code = concept(codes.CS_FLAG, code, display, text=flag["summary"])
    implicated = _implicated(builder, code, trd)
    issue = DetectedIssue(
        id=builder.id_for(f"DetectedIssue/{code}"),
        status="final",
        code=flag_code,
        severity=codes.FLAG_LEVEL_SEVERITY[level],
        patient=builder.patient,
        identifiedDateTime=when,
        implicated=implicated or None,
        detail=flag["summary"],
        evidence=[
            DetectedIssueEvidence(code=[CodeableConcept(text=line)])
            for line in flag.get("evidence") or []
        ]
        or None,
    )
    priority = codes.FLAG_LEVEL_PRIORITY[level]
    resource = Flag(
        id=builder.id_for(f"Flag/{code}"),
        status="active",
        category=[
            concept(codes.FLAG_CATEGORY, "safety", "Safety")
            if code == "suicide_risk"
            else concept(codes.FLAG_CATEGORY, "clinical", "Clinical")
        ],
        code=flag_code,
        subject=builder.patient,
        period=Period(start=when),
        extension=[
            sub(codes.EXT_FLAG_LEVEL, valueCode=level),
            sub(
                codes.EXT_FLAG_PRIORITY,
                valueCodeableConcept=concept(
                    codes.FLAG_PRIORITY_CODES, priority, codes.FLAG_PRIORITY_DISPLAY[priority]
                ),
            ),
            sub(codes.EXT_FLAG_DETAIL, valueReference=Reference(reference=f"urn:uuid:{issue.id}")),
        ],
    )
    return issue, resource


# --- Referrals --------------------------------------------------------------------------------


def service_request(builder: _Builder, referral: Referral) -> ServiceRequest:
    provider = referral.provider
    provider_type = provider.get_provider_type_display()
    performer_name = ", ".join(part for part in (provider.name, provider.credentials) if part)
    return ServiceRequest(
        id=str(referral.pk),
        identifier=[Identifier(system=codes.ID_REFERRAL, value=str(referral.pk))],
        status=REFERRAL_STATUS.get(referral.status, "unknown"),
        intent="order",
        category=[concept(codes.SNOMED, codes.SNOMED_PATIENT_REFERRAL, "Patient referral")],
        code=concept(
            codes.CS_PROVIDER_TYPE,
            provider.provider_type,
            provider_type,
            text=f"Referral to a {provider_type.lower()}",
        ),
        subject=builder.patient,
        authoredOn=referral.created_at,
        occurrenceDateTime=referral.first_visit_on,
        performer=[
            Reference(
                identifier=Identifier(system=codes.US_NPI, value=provider.npi),
                display=performer_name,
            )
        ],
        reasonReference=[builder.stage] if builder.stage is not None else None,
        supportingInfo=[*builder.flags, *builder.responses.values()] or None,
        note=[Annotation(text=referral.note)] if referral.note else None,
    )


# --- The bundle -------------------------------------------------------------------------------


def intake_bundle(intake: Intake) -> Bundle:
    """The intake as a FHIR R4B collection Bundle (prefetch with ``prefetch_for_export``)."""
    builder = _Builder(intake=intake)
    builder.add(patient_resource(intake.patient))
    builder.add(consent_resource(builder))
    for coverage in coverage_resources(builder):
        builder.add(coverage)

    for response in intake.responses.all():
        if response.instrument in INSTRUMENTS:
            resource = questionnaire_response(builder, response.instrument, response.answers)
            builder.responses[response.instrument] = builder.add(
                resource, INSTRUMENTS[response.instrument].short_name
            )

    screening = screening_block(intake)
    complete = screening["status"] == RunStatus.COMPLETE
    ruleset = screening["ruleset_version"]
    trd = screening.get("trd") if complete else None
    for key, score in (screening.get("scores") or {}).items():
        if key in INSTRUMENTS:
            builder.scores[key] = builder.add(score_observation(builder, key, score, ruleset))
    if trd:
        builder.stage = builder.add(stage_observation(builder, trd, ruleset), "Thase-Rush stage")
        if trd.get("maudsley"):
            builder.add(maudsley_observation(builder, trd["maudsley"], ruleset))
    for observation in history_observations(builder):
        builder.add(observation)

    reviews = {review["index"]: review for review in (trd or {}).get("trials", [])}
    for trial in intake.medication_trials.all():
        builder.trials[trial.position] = builder.add(
            medication_statement(builder, trial, reviews.get(trial.position))
        )
    for course in intake.psychotherapy_trials.all():
        builder.add(course_procedure(builder, course, kind="psychotherapy"))
    for course in intake.neuromodulation.all():
        builder.add(course_procedure(builder, course, kind="neuromodulation"))

    run = current_run(intake)
    flagged_at = run.completed_at if complete and run else intake.submitted_at
    for flag in screening.get("flags") or []:
        issue, resource = flag_resources(builder, flag, trd, flagged_at)
        builder.add(issue)
        builder.flags.append(builder.add(resource, flag["code"]))

    for referral in intake.referrals.all():
        builder.add(service_request(builder, referral))

    return Bundle(
        id=str(uuid.uuid5(intake.id, "Bundle")),
        identifier=Identifier(system=codes.ID_INTAKE, value=str(intake.id)),
        type="collection",
        timestamp=timezone.now(),
        entry=builder.entries,
    )
