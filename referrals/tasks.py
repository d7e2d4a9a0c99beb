"""Celery tasks (beat jobs): the services do the work; running one twice is harmless."""

import structlog
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail

from ops import roles
from referrals import services
from referrals.selectors import providers_to_reconfirm

log = structlog.get_logger(__name__)

RECONFIRM_LINES_MAX = 300


@shared_task(name="referrals.tasks.flag_overdue_referrals", ignore_result=True)
def flag_overdue_referrals() -> None:
    services.flag_overdue_referrals()


def reconfirm_message(due) -> str:
    lines = [
        f"{len(due)} directory listings need re-confirming this week. A listing whose "
        "availability was last confirmed more than 30 days ago, or whose licence has expired, "
        "is left out of matching until it is renewed.",
        "",
    ]
    for provider, todo in due[:RECONFIRM_LINES_MAX]:
        lines.append(f"- {provider.name} (NPI {provider.npi}): {'; '.join(todo)}")
    if len(due) > RECONFIRM_LINES_MAX:
        lines.append(f"… and {len(due) - RECONFIRM_LINES_MAX} more.")
    lines += [
        "",
        f"Stale listings in the admin: {settings.SITE_URL}"
        "/admin/referrals/provider/?freshness=attention",
    ]
    return "\n".join(lines)


@shared_task(name="referrals.tasks.list_providers_to_reconfirm", ignore_result=True)
def list_providers_to_reconfirm() -> int:
    """Weekly: email the directory managers the listings to re-confirm (providers' names and
    NPIs only: no patient data)."""
    due = providers_to_reconfirm()
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.DIRECTORY_MANAGER)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    log.info("providers_to_reconfirm", count=len(due), recipients=len(recipients))
    if due and recipients:
        send_mail(
            f"{len(due)} directory listings to re-confirm",
            reconfirm_message(due),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    return len(due)
