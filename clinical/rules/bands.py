"""Severity bands as data: ``((lower_bound, word), …)`` sorted by lower bound, ascending."""

Bands = tuple[tuple[int, str], ...]


def band_for(total: int, bands: Bands) -> str:
    """The word of the highest band whose lower bound ``total`` reaches."""
    word = bands[0][1]
    for lower, name in bands:
        if total >= lower:
            word = name
    return word
