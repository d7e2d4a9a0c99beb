"""When an open referral needs a clinician's follow-up (pure Python).

* sent and not accepted within ``ACCEPT_WITHIN_BUSINESS_DAYS`` business days;
* accepted and not scheduled within ``SCHEDULE_WITHIN_DAYS`` calendar days.

Business days are Monday to Friday in the service's time zone (settings.TIME_ZONE); public
holidays are not skipped. A referral sent at the weekend starts counting on Monday morning.
"""

from datetime import datetime, time, timedelta

ACCEPT_WITHIN_BUSINESS_DAYS = 3
SCHEDULE_WITHIN_DAYS = 7
SATURDAY = 5


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` weekdays, keeping its time of day."""
    moment = start
    if moment.weekday() >= SATURDAY:
        monday = moment.date() + timedelta(days=7 - moment.weekday())
        moment = datetime.combine(monday, time.min, tzinfo=moment.tzinfo)
    for _ in range(days):
        moment += timedelta(days=1)
        while moment.weekday() >= SATURDAY:
            moment += timedelta(days=1)
    return moment


def follow_up_due(status: str, since: datetime) -> datetime | None:
    """When a referral in ``status`` since ``since`` becomes overdue (None: never)."""
    if status == "sent":
        return add_business_days(since, ACCEPT_WITHIN_BUSINESS_DAYS)
    if status == "accepted":
        return since + timedelta(days=SCHEDULE_WITHIN_DAYS)
    return None


def follow_up_reason(status: str, since: datetime) -> str:
    day = since.date().isoformat()
    if status == "sent":
        return (
            f"Sent on {day} and not accepted within {ACCEPT_WITHIN_BUSINESS_DAYS} "
            "business days: contact the provider."
        )
    return (
        f"Accepted on {day} and not scheduled within {SCHEDULE_WITHIN_DAYS} days: "
        "check that a first visit is being booked."
    )
