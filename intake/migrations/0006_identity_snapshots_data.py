"""Existing data under the identity rules of 0005.

* Every intake gets its identity snapshot: the current values of its patient (nothing better
  exists: the values each intake was submitted with were overwritten by later ones). Only
  fields that hold a value are written, as a caller that sent them.
* Every patient gets its demographic blind index (name + birth date + ZIP).
* A patient with an external id gets the strong key of the user who submitted its first API
  intake (there were no organisations before); where one user sent several patients under one
  external id, the first of them.
"""

from django.db import migrations

from intake.crypto import demographic_index

BATCH = 500


def _values(patient) -> dict:
    values = {
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
    }
    values = {k: v for k, v in values.items() if v not in (None, "", [])}
    if patient.insurance_payer or patient.self_pay:
        values["insurance"] = {"payer": patient.insurance_payer, "self_pay": patient.self_pay}
    return values


def forwards(apps, schema_editor):
    Patient = apps.get_model("intake", "Patient")
    Intake = apps.get_model("intake", "Intake")
    IntakeIdentity = apps.get_model("intake", "IntakeIdentity")
    PatientKey = apps.get_model("intake", "PatientKey")

    # Snapshots: one pass over the intakes with their patients, written in batches.
    batch = []
    intakes = Intake.objects.filter(identity__isnull=True).select_related("patient")
    for intake in intakes.order_by().iterator(chunk_size=BATCH):
        batch.append(IntakeIdentity(intake_id=intake.pk, values=_values(intake.patient)))
        if len(batch) == BATCH:
            IntakeIdentity.objects.bulk_create(batch)
            batch = []
    IntakeIdentity.objects.bulk_create(batch)

    # Demographic blind indexes.
    batch = []
    for patient in Patient.objects.order_by().iterator(chunk_size=BATCH):
        patient.demographic_index = demographic_index(
            patient.given_name, patient.family_name, patient.birth_date, patient.postal_code
        )
        batch.append(patient)
        if len(batch) == BATCH:
            Patient.objects.bulk_update(batch, ["demographic_index"])
            batch = []
    Patient.objects.bulk_update(batch, ["demographic_index"])

    # Strong keys: for each (user, external id), the patient of that user's first API intake
    # with it (a later patient with the same external id keeps to possible matches).
    taken = set(PatientKey.objects.values_list("partner", "external_id_index"))
    firsts = (
        Intake.objects.filter(
            source="api", submitted_by__isnull=False, patient__external_id_index__isnull=False
        )
        .order_by("patient__external_id_index", "submitted_at")
        .values_list("patient_id", "submitted_by_id", "patient__external_id_index")
    )
    batch = []
    for patient_id, user_id, index in firsts.iterator(chunk_size=BATCH):
        key = (f"user:{user_id}", index)
        if key in taken:
            continue
        taken.add(key)
        batch.append(PatientKey(partner=key[0], external_id_index=index, patient_id=patient_id))
        if len(batch) == BATCH:
            PatientKey.objects.bulk_create(batch)
            batch = []
    PatientKey.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("intake", "0005_identity_snapshots")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
