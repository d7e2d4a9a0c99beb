"""American Sign Language is stored as its ISO 639-3 code "ase" (what the intake form stores),
no longer also as "asl": a listing's languages and matching's copy of them."""

from django.db import migrations


def _renamed(codes):
    return list(dict.fromkeys("ase" if code == "asl" else code for code in codes))


def forwards(apps, schema_editor):
    for name in ("Provider", "MatchListing"):
        model = apps.get_model("referrals", name)
        for row in model.objects.filter(languages__icontains='"asl"').only("pk", "languages"):
            if "asl" in row.languages:
                row.languages = _renamed(row.languages)
                row.save(update_fields=["languages"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_match_listing")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
