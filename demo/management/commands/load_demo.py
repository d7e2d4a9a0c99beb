"""Load demonstration data: one staff login per role and, as the apps grow, sample records.

Idempotent: running it again changes nothing that exists. Refuses to run in production.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from ops import roles

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - demo logins only; load_demo refuses production
DEMO_USERS = (
    # username, role group (None: superuser), what they do
    ("admin", None, "superuser: everything"),
    ("clinician", roles.CLINICIAN, "reviews flagged cases, refers"),
    ("coordinator", roles.INTAKE_COORDINATOR, "submits intakes, sees status and contact details"),
    ("directory", roles.DIRECTORY_MANAGER, "manages the provider directory"),
)


def ensure_demo_users():
    User = get_user_model()
    for username, role, _ in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "email": f"{username}@demo.invalid"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = role is None
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))


class Command(BaseCommand):
    help = "Create demo logins (one per role) and sample data. Not for production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with DJANGO_ENV=production")
        ensure_demo_users()
        from demo.loading import load_sample_data

        summary = load_sample_data()
        self.stdout.write(self.style.SUCCESS("Demo data ready. " + summary))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, _, what in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {what}")
        self.stdout.write(
            f"Patient intake: {settings.SITE_URL}/intake/   Admin: {settings.SITE_URL}/admin/   "
            f"API docs: {settings.SITE_URL}/api/docs/"
        )
