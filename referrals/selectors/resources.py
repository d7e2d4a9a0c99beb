"""Support resources (peer groups, crisis lines) for patients, carers or both."""

from referrals.models import Audience, SupportResource


def support_resources_for(audience: str = Audience.BOTH) -> list[SupportResource]:
    """Active resources for ``audience``: ``patient`` or ``carer`` get theirs and those for
    both; ``both`` gets every one. Crisis lines first, then the admin's order."""
    qs = SupportResource.objects.filter(active=True)
    if audience in (Audience.PATIENT, Audience.CARER):
        qs = qs.filter(audience__in=[audience, Audience.BOTH])
    elif audience != Audience.BOTH:
        raise ValueError(f"audience must be patient, carer or both, not {audience!r}")
    return list(qs.order_by("position", "name"))
