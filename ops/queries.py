"""Query helpers shared by the apps' services."""

from django.db.models import Model, QuerySet


def any_match(queryset: QuerySet) -> Model | None:
    """One row of a lookup that matches at most one (or any one of a few), or ``None``.

    ``QuerySet.first()`` adds ``ORDER BY id LIMIT 1``. For a lookup on another indexed column
    (a blind index, a foreign key) PostgreSQL may then walk the primary-key index and filter
    every row, when its statistics for a young, fast-growing table are stale: seen while
    benchmarking intakes (docs/performance.md), 5 ms for 4,700 patients, growing with the
    table. Without the ORDER BY the lookup's own index is the only sensible plan.
    """
    return next(iter(queryset.order_by()[:1]), None)
