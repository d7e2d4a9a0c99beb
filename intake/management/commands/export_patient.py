"""Right of access: write everything held about one patient as JSON (audited)."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intake.privacy import PatientNotFound, find_patient, patient_export
from ops.text import short_id


def add_patient_arguments(parser):
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--patient-id")
    who.add_argument("--external-id")
    who.add_argument("--email")
    parser.add_argument("--by", required=True, help="username of the staff member acting")


def resolve(options):
    try:
        by = get_user_model().objects.get(username=options["by"], is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError("--by must name an active staff user") from None
    try:
        patient = find_patient(
            patient_id=options["patient_id"],
            external_id=options["external_id"],
            email=options["email"],
        )
    except PatientNotFound as exc:
        raise CommandError(str(exc)) from None
    return patient, by


class Command(BaseCommand):
    help = "Export all data held about a patient (right of access). Audited."

    def add_arguments(self, parser):
        add_patient_arguments(parser)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        patient, by = resolve(options)
        if not (by.is_superuser or by.has_perm("intake.view_intake_answers")):
            raise CommandError("--by needs the clinician role or superuser")
        text = json.dumps(patient_export(patient=patient, by=by), indent=2, default=str)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
            self.stderr.write(f"Exported patient {short_id(patient.pk)} to {options['output']}")
        else:
            self.stdout.write(text)
