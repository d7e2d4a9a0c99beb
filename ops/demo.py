"""Sample records for the demo (``manage.py load_demo``). Each app adds its part."""


def load_sample_data() -> str:
    from intake.demo import load_demo_intakes
    from referrals.demo import ensure_demo_providers

    parts = [f"{load_demo_intakes()} demo intakes"]
    parts.append(f"{ensure_demo_providers()} demo providers")
    return "Loaded: " + ", ".join(parts) + "."
