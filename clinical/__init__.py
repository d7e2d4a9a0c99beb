"""The pure clinical core: questionnaires, the medication catalogue, answer
validation, the scoring and flag rules and the flag catalogue.

Nothing here imports Django, DRF or Celery; every other package may import
it, and it imports none of them (see the import contracts in pyproject.toml).
"""
