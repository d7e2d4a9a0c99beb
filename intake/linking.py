"""Which patient record an intake belongs to, and the staff decisions about it.

The rule (the README states it for partners):

* A submission never changes a stored patient. Its identity is kept with the intake, as sent
  (``IntakeIdentity``), and that is all the intake's API detail shows.
* An intake is linked to an existing patient automatically only on a strong key its partner
  owns: the same partner (the submitting user's organisation, else the same user), the same
  external id (blind index) and the same birth date (``PatientKey``).
* Otherwise the intake gets a new patient record, made from what it sent. Every weaker
  agreement with an existing patient (the same email and birth date; the same name, birth date
  and ZIP; the same external id from another partner or with another birth date; anything
  from the anonymous web wizard) becomes a ``PossibleMatch`` for a clinician to confirm or
  reject. Confirming moves the intake to that patient; it never changes the patient's stored
  details, which staff edit deliberately (``patient_edit``, audited).
"""

import copy
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from intake.crypto import blind_index, demographic_index
from intake.models import (
    Intake,
    IntakeIdentity,
    MatchStatus,
    Organisation,
    Patient,
    PatientKey,
    PatientRevision,
    PossibleMatch,
)

CONTACT_FIELDS = ("given_name", "family_name", "email", "phone", "postal_code", "external_id")
#: Candidates read for one key; more than a handful would be a data problem anyway.
MAX_CANDIDATES = 20

#: The fields compared side by side, in order, with their labels.
COMPARED_FIELDS = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("birth_date", "Birth date"),
    ("sex_at_birth", "Sex at birth"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("state", "State"),
    ("postal_code", "ZIP code"),
    ("external_id", "External id"),
    ("insurance", "Insurance"),
    ("preferred_languages", "Languages"),
)


# --- Partners and organisations ---------------------------------------------------------------


def organisation_of(user) -> Organisation | None:
    """The user's organisation (the first by id when there are several), if any."""
    if not getattr(user, "pk", None):
        return None
    return Organisation.objects.filter(members=user).order_by("pk").first()


def web_organisation() -> Organisation | None:
    """The organisation the public web wizard's intakes are routed to, if one is set."""
    return Organisation.objects.filter(receives_web_intakes=True).first()


def partner_of(user, organisation: Organisation | None) -> str | None:
    """Who owns a submission's external ids: its organisation, else its user, else nobody
    (the anonymous web wizard owns no key)."""
    if organisation is not None and getattr(user, "pk", None):
        return f"org:{organisation.pk}"
    if getattr(user, "pk", None):
        return f"user:{user.pk}"
    return None


# --- Identity snapshots ---------------------------------------------------------------------


def identity_values(p: dict) -> dict:
    """The submitted patient object as JSON (exactly the fields the caller sent)."""
    values = {}
    for field, value in p.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, dict):
            value = dict(value)
        elif isinstance(value, list):
            value = list(value)
        values[field] = value
    return values


def patient_values(patient: Patient) -> dict:
    """A patient's stored details in the snapshot's shape."""
    return {
        "external_id": patient.external_id,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
        "sex_at_birth": patient.sex_at_birth,
        "email": patient.email,
        "phone": patient.phone,
        "state": patient.state,
        "postal_code": patient.postal_code,
        "preferred_languages": list(patient.preferred_languages or []),
        "insurance": {"payer": patient.insurance_payer, "self_pay": patient.self_pay},
    }


def _new_patient_fields(p: dict) -> dict:
    insurance = p.get("insurance") or {}
    return {
        "birth_date": p["birth_date"],
        "sex_at_birth": p["sex_at_birth"],
        "state": p["state"],
        "preferred_languages": p.get("preferred_languages", []),
        "insurance_payer": insurance.get("payer", ""),
        "self_pay": insurance.get("self_pay", False),
        **{field: (p.get(field) or None) for field in CONTACT_FIELDS},
    }


# --- Linking at submission ----------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    patient: Patient
    linked: bool  # True: an existing patient, on the strong key
    candidates: tuple[tuple[Patient, tuple[str, ...]], ...]  # possible matches, with reasons


def _norm(value) -> str:
    return " ".join(str(value or "").split()).lower()


def agreement(values: dict, patient: Patient) -> tuple[str, ...]:
    """The compared fields on which a snapshot and a patient's stored details agree."""
    stored = patient_values(patient)
    agreed = []
    for field, _ in COMPARED_FIELDS:
        mine, theirs = values.get(field), stored.get(field)
        if field == "insurance":
            same = bool(mine) and (mine.get("payer") or "") == (theirs.get("payer") or "")
        elif field == "preferred_languages":
            same = bool(mine) and sorted(mine) == sorted(theirs)
        elif field == "postal_code":
            same = bool(mine) and str(mine)[:5] == str(theirs or "")[:5]
        else:
            same = _norm(mine) != "" and _norm(mine) == _norm(theirs)
        if same:
            agreed.append(field)
    return tuple(agreed)


def _candidates(p: dict, *, exclude: Patient) -> list[tuple[Patient, tuple[str, ...]]]:
    """Existing patients a submission weakly agrees with (never the strong-key patient), read
    in one query: the same email (kept only with the same birth date), the same external id,
    or the same name, birth date and ZIP."""
    born = p["birth_date"]
    email = blind_index("email", p.get("email"))
    external = blind_index("external_id", p.get("external_id"))
    demographic = demographic_index(
        p.get("given_name"), p.get("family_name"), born, p.get("postal_code")
    )
    keys = Q()
    for field, index in (
        ("email_index", email),
        ("external_id_index", external),
        ("demographic_index", demographic),
    ):
        if index:
            keys |= Q(**{field: index})
    if not keys:
        return []
    values = identity_values(p)
    found = []
    for candidate in (
        Patient.objects.filter(keys).exclude(pk=exclude.pk).order_by()[:MAX_CANDIDATES]
    ):
        if candidate.erased_at is not None:
            continue
        weak_only_by_email = (
            candidate.email_index == email
            and candidate.external_id_index != external
            and candidate.demographic_index != demographic
        )
        if weak_only_by_email and candidate.birth_date != born:
            continue  # a shared email alone (a family's) is no sign of the same person
        found.append((candidate, agreement(values, candidate)))
    return found


def _strong_key_patient(partner: str, index: str, born) -> tuple[bool, Patient | None]:
    """(a key exists, its patient when the birth date agrees)."""
    key = PatientKey.objects.filter(partner=partner, external_id_index=index).first()
    if key is None:
        return False, None
    patient = Patient.objects.get(pk=key.patient_id)
    return True, (patient if patient.birth_date == born else None)


def resolve_patient(p: dict, *, partner: str | None) -> Resolution:
    """The patient record of a new submission (see the module docstring). Call inside the
    submission's transaction. Two simultaneous first submissions with one strong key: the
    second's key insert fails on the unique constraint, it rolls back to its savepoint and
    links to the first's patient."""
    index = blind_index("external_id", p.get("external_id")) if partner else None
    for _attempt in range(2):
        key_exists = False
        if index:
            key_exists, patient = _strong_key_patient(partner, index, p["birth_date"])
            if patient is not None:
                return Resolution(patient=patient, linked=True, candidates=())
        if not index or key_exists:
            patient = Patient.objects.create(**_new_patient_fields(p))
            break
        try:
            with transaction.atomic():
                patient = Patient.objects.create(**_new_patient_fields(p))
                PatientKey.objects.create(partner=partner, external_id_index=index, patient=patient)
            break
        except IntegrityError:
            continue  # a concurrent first submission made the key: look again
    else:  # pragma: no cover - the key's row exists after a conflict, so the loop returned
        raise RuntimeError("Could not resolve the patient of a submission.")
    return Resolution(
        patient=patient, linked=False, candidates=tuple(_candidates(p, exclude=patient))
    )


def record_identity(*, intake: Intake, p: dict, resolution: Resolution) -> None:
    IntakeIdentity.objects.create(intake=intake, values=identity_values(p))
    PossibleMatch.objects.bulk_create(
        PossibleMatch(intake=intake, patient=candidate, reasons=list(reasons))
        for candidate, reasons in resolution.candidates
    )


# --- Staff decisions ----------------------------------------------------------------------------


class MatchAlreadyDecided(ValueError):
    pass


def match_confirm(*, match: PossibleMatch, by) -> PossibleMatch:
    """Link the match's intake to the match's patient. The patient's stored details stay as
    they are; the intake's own record, left without intakes, is removed (its strong keys move
    to the patient where they do not clash). Other open matches of the intake are superseded."""
    from ops.audit import record_change, service_write

    with transaction.atomic():
        match = PossibleMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.OPEN:
            raise MatchAlreadyDecided("This possible match was already decided.")
        intake = Intake.objects.select_for_update().get(pk=match.intake_id)
        before = copy.copy(intake)
        previous = intake.patient_id
        intake.patient_id = match.patient_id
        with service_write():
            intake.save(update_fields=["patient"])
        record_change(before=before, after=intake, actor=by, event="possible_match_confirmed")
        now = timezone.now()
        match.status, match.decided_by, match.decided_at = MatchStatus.CONFIRMED, by, now
        match.save(update_fields=["status", "decided_by", "decided_at"])
        PossibleMatch.objects.filter(intake=intake, status=MatchStatus.OPEN).exclude(
            pk=match.pk
        ).update(status=MatchStatus.SUPERSEDED, decided_by=by, decided_at=now)
        if previous != match.patient_id and not Intake.objects.filter(patient_id=previous).exists():
            for key in PatientKey.objects.filter(patient_id=previous):
                clash = PatientKey.objects.filter(
                    partner=key.partner, external_id_index=key.external_id_index
                ).exclude(pk=key.pk)
                if not clash.exists():
                    PatientKey.objects.filter(pk=key.pk).update(patient_id=match.patient_id)
            # Other intakes that looked like the removed record now look like the patient.
            already = PossibleMatch.objects.filter(patient_id=match.patient_id).values("intake_id")
            PossibleMatch.objects.filter(patient_id=previous, status=MatchStatus.OPEN).exclude(
                intake_id__in=already
            ).exclude(intake__patient_id=match.patient_id).update(patient_id=match.patient_id)
            Patient.objects.filter(pk=previous).delete()
    return match


def match_reject(*, match: PossibleMatch, by) -> PossibleMatch:
    """Not the same person: the intake stays with its own record."""
    with transaction.atomic():
        match = PossibleMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.OPEN:
            raise MatchAlreadyDecided("This possible match was already decided.")
        match.status, match.decided_by, match.decided_at = (
            MatchStatus.REJECTED,
            by,
            timezone.now(),
        )
        match.save(update_fields=["status", "decided_by", "decided_at"])
    return match


def side_by_side(match: PossibleMatch) -> list[dict]:
    """Rows of field label, the intake's value, the patient's value, and whether they agree."""
    identity = IntakeIdentity.objects.filter(intake_id=match.intake_id).first()
    values = identity.values if identity else {}
    stored = patient_values(match.patient)
    agreed = set(agreement(values, match.patient))
    rows = []
    for field, label in COMPARED_FIELDS:
        mine, theirs = values.get(field), stored.get(field)
        rows.append(
            {
                "label": label,
                "intake": display_value(field, mine),
                "patient": display_value(field, theirs),
                "agrees": field in agreed,
                "sent": field in values,
            }
        )
    return rows


def display_value(field: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field == "insurance":
        payer = value.get("payer") or "none given"
        return f"{payer}{' · self-pay' if value.get('self_pay') else ''}"
    if field == "preferred_languages":
        return ", ".join(value)
    return str(value)


# --- Deliberate staff edits of a patient --------------------------------------------------------

EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex_at_birth",
    "email",
    "phone",
    "state",
    "postal_code",
    "external_id",
    "preferred_languages",
    "insurance_payer",
    "self_pay",
)


def patient_edit(*, patient: Patient, by, changes: dict) -> PatientRevision | None:
    """Change a patient's stored details: the old values are kept encrypted in a
    ``PatientRevision`` and the audit log records the (masked) change and its author."""
    from ops.audit import record_change, service_write

    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        before = copy.copy(current)
        old = {}
        for field, value in changes.items():
            if field not in EDITABLE_FIELDS:
                raise ValueError(f"{field} is not an editable patient field")
            if getattr(current, field) != value:
                old[field] = getattr(current, field)
                setattr(current, field, value)
        if not old:
            return None
        revision = PatientRevision.objects.create(
            patient=current,
            changed_by=by,
            old_values={
                k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in old.items()
            },
        )
        with service_write():
            current.save()
        record_change(before=before, after=current, actor=by, event="patient_edit")
    return revision
