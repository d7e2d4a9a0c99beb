"""Demo data for ``make run`` (``manage.py load_demo``): logins, intakes and a provider directory.

The top floor: it uses the apps' services and imports nothing into them.
"""
