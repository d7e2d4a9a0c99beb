"""The audit trail: who changed what (with a PHI-free diff) and who looked at what.

Built on django-auditlog. Which models are audited, and which of their fields are masked or
excluded, is declared in ``settings.AUDITLOG_INCLUDE_TRACKING_MODELS``; every identifying field
is masked completely by :func:`mask_fully` (the log says *that* an email changed, never what
it was or became).

* Ordinary saves of an audited model are logged by auditlog's own signal receivers, with the
  request's user as actor (``AuditlogMiddleware``).
* A service that must write its change and its audit row in one transaction wraps the save in
  :func:`service_write` and writes the row itself with :func:`record_change` or
  :func:`record_creation`, naming the actor and the event explicitly (no request needed).
* A staff view of a case or an intake is an ``access`` entry: :func:`record_access`.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Model, Q, QuerySet

MASK = "[masked]"

ACCESS = LogEntry.Action.ACCESS
CREATE = LogEntry.Action.CREATE
UPDATE = LogEntry.Action.UPDATE


class NotAudited(RuntimeError):
    """A model without an auditlog registration: its diff would not be masked."""


def mask_fully(value: str) -> str:
    """auditlog's mask callable (``AUDITLOG_MASK_CALLABLE``): nothing of the value survives."""
    return MASK


def _require_registered(instance: Model) -> None:
    if not auditlog.contains(type(instance)):
        raise NotAudited(f"{type(instance).__name__} is not registered with auditlog")


@contextmanager
def service_write():
    """Saves inside are not logged by auditlog's receivers: the service writes its own row."""
    with disable_auditlog():
        yield


def record_change(*, before: Model, after: Model, actor, event: str, **details) -> LogEntry:
    """An ``update`` entry for ``after`` with the masked diff from ``before`` (a copy taken
    before the change) and ``{"event": ..., **details}`` as additional data."""
    _require_registered(after)
    changes = model_instance_diff(before, after)
    return LogEntry.objects.log_create(
        after,
        action=UPDATE,
        changes=changes,
        force_log=True,
        actor=actor,
        additional_data={"event": event, **details},
    )


def record_creation(instance: Model, *, actor, event: str, **details) -> LogEntry:
    _require_registered(instance)
    return LogEntry.objects.log_create(
        instance,
        action=CREATE,
        changes=model_instance_diff(None, instance),
        force_log=True,
        actor=actor,
        additional_data={"event": event, **details},
    )


def record_access(instance: Model, *, user, view: str) -> LogEntry:
    """A staff view of ``instance``: who (``user``), when (now), what (the object and ``view``,
    e.g. ``"case page"``). Never carries field values."""
    _require_registered(instance)
    return LogEntry.objects.log_create(
        instance,
        action=ACCESS,
        changes=None,
        force_log=True,
        actor=user,
        additional_data={"view": view},
    )


def entries_for(instance: Model) -> QuerySet[LogEntry]:
    ct = ContentType.objects.get_for_model(type(instance))
    return LogEntry.objects.filter(content_type=ct, object_pk=str(instance.pk))


def entries_for_objects(model: type[Model], pks) -> QuerySet[LogEntry]:
    ct = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=ct, object_pk__in=[str(pk) for pk in pks])


def access_history(instance: Model, *, limit: int = 100) -> list[LogEntry]:
    """The newest ``limit`` views of ``instance``, newest first."""
    return list(
        entries_for(instance)
        .filter(action=ACCESS)
        .select_related("actor")
        .order_by("-timestamp")[:limit]
    )


# --- Access by user (the superuser's report) ------------------------------------------------


@dataclass(frozen=True)
class UserAccessSummary:
    user_id: int | None
    username: str
    views: int
    last_view: datetime | None


def access_by_user() -> list[UserAccessSummary]:
    """One row per staff user who viewed anything: how many views, and the latest."""
    rows = (
        LogEntry.objects.filter(action=ACCESS)
        .values("actor_id", "actor__username")
        .annotate(views=Count("id"), last_view=Max("timestamp"))
        .order_by("actor__username")
    )
    return [
        UserAccessSummary(
            user_id=row["actor_id"],
            username=row["actor__username"] or "(system)",
            views=row["views"],
            last_view=row["last_view"],
        )
        for row in rows
    ]


def accesses_by(user_id: int | None) -> QuerySet[LogEntry]:
    """Every access entry of one user (``None``: entries without an actor), newest first."""
    actor = Q(actor__isnull=True) if user_id is None else Q(actor_id=user_id)
    return (
        LogEntry.objects.filter(actor, action=ACCESS)
        .select_related("content_type", "actor")
        .order_by("-timestamp")
    )
