"""Right to erasure: remove what identifies a patient, keep the screening statistics."""

from django.core.management.base import BaseCommand, CommandError

from intake.management.commands.export_patient import add_patient_arguments, resolve
from intake.privacy import patient_erase
from ops.text import short_id


class Command(BaseCommand):
    help = (
        "Erase a patient's identifying data (names, contact details, ids, birth date, "
        "drafts, staff free text). Screening results stay, de-identified. Audited."
    )

    def add_arguments(self, parser):
        add_patient_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        patient, by = resolve(options)
        if not by.is_superuser:
            raise CommandError("--by must be a superuser: erasure cannot be undone")
        if not options["yes"]:
            answer = input(f"Erase patient {short_id(patient.pk)}? This cannot be undone [y/N] ")
            if answer.strip().lower() != "y":
                raise CommandError("Not erased.")
        counts = patient_erase(patient=patient, by=by)
        summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Erased patient {short_id(patient.pk)}. {summary}"))
