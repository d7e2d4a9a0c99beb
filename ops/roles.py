"""Staff roles as Django groups (see docs/api.md "Authentication and roles").

The groups themselves are created by the data migration ``ops.0002_staff_roles``. Their model
permissions are kept equal to ``ROLE_PERMISSIONS`` after every ``migrate`` (post_migrate), so a
permission added here reaches existing installations with no hand edits. Demo users exist only
through ``manage.py load_demo`` (demo app), never in migrations.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

INTAKE_COORDINATOR = "intake_coordinator"
CLINICIAN = "clinician"
DIRECTORY_MANAGER = "directory_manager"
CLINICAL_LEAD = "clinical_lead"
ROLES = (INTAKE_COORDINATOR, CLINICIAN, DIRECTORY_MANAGER, CLINICAL_LEAD)

# Submit and read intakes (status and contact details; not answers, scores or flags).
_COORDINATOR = {
    "intake.add_intake",
    "intake.view_intake",
    "intake.view_patient",
    # Their organisation's patients (intake.selectors.patients_visible_to), edited on purpose.
    "intake.change_patient",
    # That a possible match exists; not the values compared (clinicians decide).
    "intake.view_possiblematch",
}
_CLINICIAN = _COORDINATOR | {
    "intake.view_intake_answers",
    "intake.change_possiblematch",
    "intake.add_amendment",
    "intake.view_amendment",
    "screening.view_screeningrun",
    "screening.view_flag",
    "screening.view_case",
    "screening.change_case",
    "screening.add_casenote",
    "screening.view_casenote",
    "referrals.view_provider",
    "referrals.add_referral",
    "referrals.change_referral",
    "referrals.view_referral",
    "referrals.view_supportresource",
    # Follow-up plans (issue 21): start, read and stop a patient's re-screening schedule.
    "followups.add_followupplan",
    "followups.view_followupplan",
    "followups.change_followupplan",
}
# The provider directory and the support resources (not referrals, not intakes).
_DIRECTORY_MANAGER = {
    "referrals.add_provider",
    "referrals.change_provider",
    "referrals.delete_provider",
    "referrals.view_provider",
    "referrals.add_supportresource",
    "referrals.change_supportresource",
    "referrals.delete_supportresource",
    "referrals.view_supportresource",
}
# A clinician who also sets the service's clinical thresholds (measurement-based care: the
# weeks before a follow-up without response raises not_improving) and reads the outcomes report.
_CLINICAL_LEAD = _CLINICIAN | {
    "screening.view_measurementsettings",
    "screening.change_measurementsettings",
}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    INTAKE_COORDINATOR: frozenset(_COORDINATOR),
    CLINICIAN: frozenset(_CLINICIAN),
    DIRECTORY_MANAGER: frozenset(_DIRECTORY_MANAGER),
    CLINICAL_LEAD: frozenset(_CLINICAL_LEAD),
}


def _permissions(codenames, Permission):
    """The Permission rows for ``app_label.codename`` strings whose models are installed."""
    wanted = {tuple(name.split(".", 1)) for name in codenames}
    rows = Permission.objects.select_related("content_type").filter(
        codename__in=[codename for _, codename in wanted]
    )
    return [p for p in rows if (p.content_type.app_label, p.codename) in wanted]


def sync_role_permissions(sender=None, apps=global_apps, verbosity=0, using="default", **kwargs):
    """Make each role group's permissions exactly ``ROLE_PERMISSIONS`` (post_migrate)."""
    if sender is not None and sender.label != "ops":
        return  # once per migrate run is enough
    Group = global_apps.get_model("auth", "Group")
    Permission = global_apps.get_model("auth", "Permission")
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(_permissions(codenames, Permission))
