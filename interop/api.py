"""v1 API: FHIR R4B export and import (the README's "FHIR" section).

* ``GET /api/v1/intakes/{id}/fhir/`` — the intake as a Bundle (clinicians: the intake's
  answers and its screening). The export is an audited access to the intake.
* ``GET /api/v1/instruments/{key}/fhir/`` — an instrument as a Questionnaire (any
  authenticated caller, as the catalogue).
* ``POST /api/v1/fhir/`` — a Bundle in, an intake out (the roles and the ``Idempotency-Key``
  of ``POST /api/v1/intakes/``: intake/idempotency.py).

Every response, errors included, is ``application/fhir+json``: errors are OperationOutcomes
whose issues name the failing element in ``expression``. A successful import answers 201 with
an OperationOutcome stating the new intake's id, status and safety decision (also in the
``intake-created`` extension) and a ``Location`` header pointing at the intake.
"""

import uuid

import structlog
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinical.questionnaires import INSTRUMENTS
from intake.idempotency import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_PARAMETER,
    IdempotencyConflict,
    submit_once,
)
from intake.models import Intake
from intake.safety_net import risk_answers
from intake.selectors import intakes_visible_to
from interop import codes
from interop.fhir_export import intake_bundle, prefetch_for_export
from interop.fhir_import import FHIRImportError, Issue, fhir_intake_submit, operation_outcome
from interop.questionnaire import instrument_questionnaire
from ops.audit import record_access
from ops.parsers import FHIRJSONParser, JSONBodyParser, RequestTooLarge
from ops.permissions import HasPermissions
from screening.safety_events import record_rejected_submission

log = structlog.get_logger(__name__)

FHIR_JSON = "application/fhir+json"


def fhir_body(resource) -> dict:
    return resource.model_dump(mode="json", exclude_none=True)


class FHIRJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class AlwaysFHIR(DefaultContentNegotiation):
    """FHIR JSON whatever the Accept header says (a FHIR server's usual behaviour); a body is
    read by the parser of its Content-Type (application/fhir+json or application/json; any other
    is a 415 OperationOutcome)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FHIRExportPermissions(HasPermissions):
    default = ("intake.view_intake", "intake.view_intake_answers", "screening.view_screeningrun")


class FHIRImportPermissions(HasPermissions):
    default = ("intake.add_intake",)


#: DRF error -> OperationOutcome issue type.
ISSUE_TYPES = {
    exceptions.NotAuthenticated: "login",
    exceptions.AuthenticationFailed: "login",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not-found",
    exceptions.ParseError: "structure",
    RequestTooLarge: "too-long",
    exceptions.Throttled: "throttled",
    IdempotencyConflict: "conflict",
    exceptions.MethodNotAllowed: "not-supported",
    exceptions.NotAcceptable: "not-supported",
    exceptions.UnsupportedMediaType: "not-supported",
}


class FHIRAPIView(APIView):
    renderer_classes = [FHIRJSONRenderer]
    content_negotiation_class = AlwaysFHIR

    def handle_exception(self, exc):
        response = super().handle_exception(exc)  # re-raises what is not an API error
        code = next((v for k, v in ISSUE_TYPES.items() if isinstance(exc, k)), None)
        if code is None:
            code = "not-found" if response.status_code == 404 else "invalid"
        response.data = fhir_body(operation_outcome(error_issues(response.data, code)))
        return response


def error_issues(data, code: str) -> list[Issue]:
    """The issues of a DRF error body: its ``detail``, or one per message of a field-keyed
    ``ValidationError`` (request headers, e.g. a malformed Idempotency-Key, and the parser's
    text check, whose nested path becomes the issue's expression: the Bundle's own problems
    are FHIRImportErrors with their FHIRPath)."""
    if isinstance(data, dict) and data.get("detail"):
        return [Issue(str(data["detail"]), (), code)]
    issues = []
    for where, message in field_messages(data):
        if where == ("non_field_errors",) or not where:
            issues.append(Issue(message, (), code))
        elif where == (IDEMPOTENCY_HEADER,):
            issues.append(Issue(f"{where[0]}: {message}", (), code))
        else:
            issues.append(Issue(message, (fhir_path(where),), code))
    return issues or [Issue("The request could not be processed.", (), code)]


def field_messages(data, at: tuple[str, ...] = ()):
    """(path, message) for every message of a nested DRF error body."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from field_messages(value, (*at, str(key)))
    elif isinstance(data, list):
        for message in data:
            yield from field_messages(message, at)
    else:
        yield at, str(data)


def fhir_path(parts: tuple[str, ...]) -> str:
    """("entry", "0", "resource") -> "Bundle.entry[0].resource"."""
    text = "Bundle"
    for part in parts:
        text += f"[{part}]" if part.isdigit() else f".{part}"
    return text


FHIR_ERRORS = {
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome: no credentials."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome: role missing."),
    429: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome: rate-limited."),
}
NOT_FOUND = {
    404: OpenApiResponse(
        OpenApiTypes.OBJECT, description="OperationOutcome: not found, or not visible."
    )
}


class IntakeFHIRView(FHIRAPIView):
    permission_classes = [FHIRExportPermissions]

    @extend_schema(
        operation_id="intake_fhir_export",
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        summary="The intake as a FHIR R4B Bundle (clinicians)",
        description=(
            "A collection Bundle: Patient, Consent, Coverage, one QuestionnaireResponse per "
            "instrument, score/stage/Maudsley Observations, MedicationStatements, Procedures, "
            "Flags with DetectedIssues (evidence) and ServiceRequests for referrals. What the "
            "screening has not produced yet is left out."
        ),
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4B Bundle."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome."),
            **FHIR_ERRORS,
            **NOT_FOUND,
        },
    )
    def get(self, request, pk):
        try:  # any string routes here, so a malformed id is a FHIR 404 too (not Django's HTML)
            pk = uuid.UUID(pk)
        except ValueError:
            raise exceptions.NotFound("No such intake.") from None
        intake = prefetch_for_export(intakes_visible_to(request.user)).filter(pk=pk).first()
        if intake is None:
            raise exceptions.NotFound("No such intake.")
        record_access(intake, user=request.user, view="fhir export")
        return Response(fhir_body(intake_bundle(intake)))


class InstrumentFHIRView(FHIRAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="instrument_fhir_questionnaire",
        summary="An instrument as a FHIR R4B Questionnaire",
        description="Items, answer options (LOINC-coded where verified) and enableWhen.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4B Questionnaire."),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome."),
            **FHIR_ERRORS,
            **NOT_FOUND,
        },
    )
    def get(self, request, key):
        instrument = INSTRUMENTS.get(key)
        if instrument is None:
            raise exceptions.NotFound("Unknown instrument; see GET /api/v1/instruments/.")
        return Response(fhir_body(instrument_questionnaire(instrument)))


def created_outcome(intake: Intake, location: str) -> OperationOutcome:
    """201 body of an import: the new intake and its safety decision, as an OperationOutcome."""
    safety = intake.safety or {}
    urgent = bool(safety.get("urgent"))
    risk_level = safety.get("risk_level", "not_assessed")
    issues = [
        OperationOutcomeIssue(
            severity="information",
            code="informational",
            details=CodeableConcept(
                coding=[Coding(system=codes.CS_IMPORT_RESULT, code="intake-created")],
                text=f"Intake {intake.id} created ({intake.status}).",
            ),
            diagnostics=f"Intake {intake.id} created: {location}",
        )
    ]
    if urgent:
        contacts = "; ".join(
            r["contact"] for r in safety.get("crisis_resources", []) if r.get("contact")
        )
        issues.append(
            OperationOutcomeIssue(
                severity="warning",
                code="informational",
                details=CodeableConcept(
                    coding=[Coding(system=codes.CS_IMPORT_RESULT, code="urgent")],
                    text=f"Urgent: possible suicide risk (C-SSRS risk level: {risk_level}).",
                ),
                diagnostics=f"Show crisis resources now: {contacts}.",
            )
        )
    return OperationOutcome(
        extension=[
            Extension(
                url=codes.EXT_INTAKE_CREATED,
                extension=[
                    Extension(url="intake", valueId=str(intake.id)),
                    Extension(url="status", valueCode=intake.status),
                    Extension(url="urgent", valueBoolean=urgent),
                    Extension(url="riskLevel", valueCode=risk_level),
                ],
            )
        ],
        issue=issues,
    )


def rejected_outcome(issues, notice) -> OperationOutcome:
    """400 body of a rejected import; with risk answers that were valid (issue 16), the
    ``safety`` extension (urgent, riskLevel, case, crisisResource lines) and a warning issue
    naming the crisis resources, beside the error issues."""
    outcome = operation_outcome(issues)
    if notice is None:
        return outcome
    lines = [f"{r['name']}: {r['contact']}" for r in notice.crisis_resources if r.get("contact")]
    outcome.extension = [
        Extension(
            url=codes.EXT_SAFETY,
            extension=[
                Extension(url="urgent", valueBoolean=True),
                Extension(url="riskLevel", valueCode=notice.risk_level),
                Extension(url="case", valueId=notice.case_id),
                *(Extension(url="crisisResource", valueString=line) for line in lines),
            ],
        )
    ]
    outcome.issue.append(
        OperationOutcomeIssue(
            severity="warning",
            code="informational",
            details=CodeableConcept(
                coding=[Coding(system=codes.CS_IMPORT_RESULT, code="urgent")],
                text=f"Urgent: possible suicide risk (C-SSRS risk level: {notice.risk_level}). "
                f"An urgent case ({notice.case_id}) is open although the Bundle was rejected.",
            ),
            diagnostics="Show crisis resources now: "
            + "; ".join(r["contact"] for r in notice.crisis_resources if r.get("contact"))
            + ".",
        )
    )
    return outcome


def rejected_import_safety(request, exc: FHIRImportError):
    """The safety decision on a rejected Bundle's valid risk answers (None without risk)."""
    submission = exc.submission or {}
    answers = risk_answers(submission.get("answers"))
    if not answers:
        return None
    return record_rejected_submission(
        source="fhir",
        body=request.data,
        errors=[{"message": i.message, "expression": list(i.expression)} for i in exc.issues],
        answers=answers,
        patient=submission.get("patient"),
        caller=request.user,
    )


class FHIRImportView(FHIRAPIView):
    permission_classes = [FHIRImportPermissions]
    parser_classes = [FHIRJSONParser, JSONBodyParser]

    @extend_schema(
        operation_id="fhir_import",
        summary="Submit an intake as a FHIR R4B Bundle",
        description=(
            "A Bundle with one Patient, a screening Consent and QuestionnaireResponses for this "
            "service's Questionnaires (optionally MedicationStatements, Procedures and the "
            "treatment-history Observations). Validated and stored exactly as POST "
            "/api/v1/intakes/; errors are an OperationOutcome whose issues name the failing "
            "element (expression)."
        ),
        request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="OperationOutcome naming the new intake and its safety decision; "
                "Location: the intake.",
            ),
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Idempotent replay: the same OperationOutcome for the first intake.",
            ),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="OperationOutcome: Idempotency-Key reused with a different body.",
            ),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="OperationOutcome. When the Bundle is rejected but its PHQ-9 and/or "
                "C-SSRS QuestionnaireResponses are valid on their own and show risk, an urgent "
                "case is opened anyway and the OperationOutcome carries the "
                "…/StructureDefinition/safety extension (urgent, riskLevel, case, "
                "crisisResource) and a warning issue listing the crisis resources.",
            ),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="Body over 256 KiB."),
            415: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="OperationOutcome: the Content-Type is neither "
                "application/fhir+json nor application/json.",
            ),
            **FHIR_ERRORS,
        },
    )
    def post(self, request):
        def submit():
            return fhir_intake_submit(body=request.data, submitted_by=request.user).intake

        try:
            intake, created = submit_once(request, submit)
        except FHIRImportError as exc:
            log.info("fhir_import_rejected", issues=len(exc.issues))
            notice = rejected_import_safety(request, exc)
            return Response(fhir_body(rejected_outcome(exc.issues, notice)), status=400)
        location = request.build_absolute_uri(reverse("intake-detail", args=[intake.pk]))
        log.info("fhir_import_accepted", intake_id=str(intake.pk), replay=not created)
        return Response(
            fhir_body(created_outcome(intake, location)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": location},
        )


#: Included by config/api_urls.py before the router.
urlpatterns = [
    path("intakes/<str:pk>/fhir/", IntakeFHIRView.as_view(), name="intake-fhir"),
    path("instruments/<str:key>/fhir/", InstrumentFHIRView.as_view(), name="instrument-fhir"),
    path("fhir/", FHIRImportView.as_view(), name="fhir-import"),
]
