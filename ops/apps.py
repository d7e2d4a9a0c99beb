from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpsConfig(AppConfig):
    """Operations: roles, health checks, heartbeats, the embedded scheduler."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from ops.auth import connect_permission_signals
        from ops.roles import sync_role_permissions

        connect_permission_signals()

        post_migrate.connect(sync_role_permissions, dispatch_uid="ops.sync_role_permissions")
