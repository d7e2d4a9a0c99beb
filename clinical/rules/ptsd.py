"""PC-PTSD-5 (clinical.md §4.9; Prins et al. 2016, Bovin et al. 2021).

Exposure No → score 0 and q1-q5 are not asked.
"""

from clinical.rules.answers import is_yes, missing_items, numbered_items, yes_items
from clinical.rules.types import Items, Score, incomplete_score

PC_PTSD5_EXPOSURE = "exposure"
PC_PTSD5_ITEMS = numbered_items(1, 5)
# clinical.md §4.9 and §7 (Prins 2016): 3 maximises sensitivity — the service's cut-off (§8).
PC_PTSD5_CUTOFF = 3
# clinical.md §4.9 (Prins 2016; Bovin 2021): 4 maximises efficiency; reported beside it.
PC_PTSD5_EFFICIENCY_CUTOFF = 4


def pc_ptsd5_required_items(items: Items) -> tuple[str, ...]:
    if is_yes(items, PC_PTSD5_EXPOSURE):
        return (PC_PTSD5_EXPOSURE, *PC_PTSD5_ITEMS)
    return (PC_PTSD5_EXPOSURE,)


def pc_ptsd5_total(items: Items) -> int:
    if not is_yes(items, PC_PTSD5_EXPOSURE):
        return 0
    return len(yes_items(items, PC_PTSD5_ITEMS))


def pc_ptsd5_positive(total: int, cutoff: int = PC_PTSD5_CUTOFF) -> bool:
    return total >= cutoff


def pc_ptsd5_score(items: Items) -> Score:
    missing = missing_items(items, pc_ptsd5_required_items(items))
    if missing:
        return incomplete_score(missing)
    total = pc_ptsd5_total(items)
    return Score(
        total=total,
        positive=pc_ptsd5_positive(total),
        extra={
            "exposure": is_yes(items, PC_PTSD5_EXPOSURE),
            "cutoff": PC_PTSD5_CUTOFF,
            "efficiency_cutoff": PC_PTSD5_EFFICIENCY_CUTOFF,
            "positive_at_efficiency_cutoff": pc_ptsd5_positive(total, PC_PTSD5_EFFICIENCY_CUTOFF),
        },
    )
