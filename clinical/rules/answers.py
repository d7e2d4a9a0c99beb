"""Reading one instrument's answers: item points, yes answers, missing items.

Values are the API's published codes: integers, or Python bools for yes/no items (``True``
counts 1). An item hidden by skip logic is absent and counts 0 / No.
"""

from collections.abc import Iterable

from clinical.rules.types import Items


def numbered_items(first: int, last: int, prefix: str = "q") -> tuple[str, ...]:
    """``numbered_items(1, 3)`` → ``("q1", "q2", "q3")``."""
    return tuple(f"{prefix}{n}" for n in range(first, last + 1))


def item_points(items: Items, key: str) -> int:
    """The item's points; an absent (skipped) item scores 0."""
    return int(items.get(key, 0))


def is_yes(items: Items, key: str) -> bool:
    return bool(items.get(key, False))


def is_answered_no(items: Items, key: str) -> bool:
    """True only when the item was asked and answered No (absent is not No here)."""
    return key in items and not bool(items[key])


def total_points(items: Items, keys: Iterable[str]) -> int:
    return sum(item_points(items, key) for key in keys)


def yes_items(items: Items, keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(key for key in keys if is_yes(items, key))


def missing_items(items: Items, keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(key for key in keys if key not in items)
