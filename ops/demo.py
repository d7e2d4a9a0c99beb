"""Sample records for the demo. Each app adds its part as it is built."""


def load_sample_data() -> str:
    return "No sample records yet."
