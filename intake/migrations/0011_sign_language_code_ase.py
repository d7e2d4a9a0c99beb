"""American Sign Language is stored as its ISO 639-3 code "ase" (what the intake form stores),
no longer also as "asl": a patient's preferred languages and an intake's care preferences.

A submitted intake is never changed by the app (amendments record changes); renaming a code is
not a change of what the patient said, so this migration rewrites the stored code in place."""

from django.db import migrations


def _renamed(codes):
    return list(dict.fromkeys("ase" if code == "asl" else code for code in codes))


def forwards(apps, schema_editor):
    Patient = apps.get_model("intake", "Patient")
    for patient in Patient.objects.filter(preferred_languages__icontains='"asl"').only(
        "pk", "preferred_languages"
    ):
        if "asl" in patient.preferred_languages:
            Patient.objects.filter(pk=patient.pk).update(
                preferred_languages=_renamed(patient.preferred_languages)
            )
    Intake = apps.get_model("intake", "Intake")
    for intake in Intake.objects.filter(care_preferences__icontains='"asl"').only(
        "pk", "care_preferences"
    ):
        languages = intake.care_preferences.get("languages")
        if isinstance(languages, list) and "asl" in languages:
            preferences = {**intake.care_preferences, "languages": _renamed(languages)}
            Intake.objects.filter(pk=intake.pk).update(care_preferences=preferences)


class Migration(migrations.Migration):
    dependencies = [("intake", "0010_trial_adequate_weeks_unlisted_unknown")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
