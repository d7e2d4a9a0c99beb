"""One date and one date-and-time format for every staff page (issue 19).

``config/formats/en/formats.py`` makes these Django's own ``DATE_FORMAT`` and
``DATETIME_FORMAT`` (so the admin's stock lists use them too), templates write
``{{ value|date:"DATE_FORMAT" }}`` or ``{{ value|date:"DATETIME_FORMAT" }}``, and Python code
building staff-facing text calls :func:`day` or :func:`moment`.
"""

from django.utils import dateformat, timezone

#: 4 Dec 2026
DATE_FORMAT = "j M Y"
#: 4 Dec 2026, 18:05 (24-hour clock, the server's time zone)
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"


def day(value) -> str:
    """A date (or the local date of a datetime) as staff pages show it; "" for None."""
    if value is None:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATE_FORMAT)


def moment(value) -> str:
    """A datetime as staff pages show it (local time); "" for None."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATETIME_FORMAT)
