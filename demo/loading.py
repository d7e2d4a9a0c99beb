"""Sample records for the demo (``manage.py load_demo``). Each app adds its part."""

DEMO_ORGANISATION = "Demo Clinic"


def ensure_demo_organisation():
    """The demo coordinator's organisation, which also receives the web wizard's intakes (if
    no other organisation does): the coordinator then sees every demo intake."""
    from django.contrib.auth import get_user_model

    from intake.models import Organisation

    organisation = Organisation.objects.filter(name=DEMO_ORGANISATION).first()
    if organisation is None:
        receives = not Organisation.objects.filter(receives_web_intakes=True).exists()
        organisation = Organisation.objects.create(
            name=DEMO_ORGANISATION, receives_web_intakes=receives
        )
    coordinator = get_user_model().objects.filter(username="coordinator").first()
    if coordinator is not None:
        organisation.members.add(coordinator)
    return organisation, coordinator


def load_sample_data() -> str:
    from demo.followups import ensure_demo_follow_ups
    from demo.intakes import load_demo_intakes
    from demo.providers import ensure_demo_providers

    _, coordinator = ensure_demo_organisation()
    parts = [f"{load_demo_intakes(partner_user=coordinator)} demo intakes"]
    parts.append(f"{ensure_demo_providers()} demo providers")
    parts.append(f"{ensure_demo_follow_ups(partner_user=coordinator)} demo follow-ups")
    return "Loaded: " + ", ".join(parts) + "."
