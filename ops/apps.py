from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpsConfig(AppConfig):
    """Operations: roles, health checks, heartbeats, the embedded scheduler, demo data."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from ops.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="ops.sync_role_permissions")
