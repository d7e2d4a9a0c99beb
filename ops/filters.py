"""Query-parameter filters for the v1 lists that validate everything before the database.

django-filter is lenient where a partner needs a clear answer: it ignores an empty value
(``?status=`` lists everything), ignores a boolean it cannot read (``?urgent=yes``), and hands
PostgreSQL whatever ``datetime`` Python could parse (``+23:00`` is a valid Python offset and a
PostgreSQL ``DataError``). Every v1 list uses :class:`StrictFilterSet` and these filters
instead: a bad or empty parameter is a 400 naming it, and nothing reaches the query that the
database could refuse.
"""

from datetime import UTC, timedelta

from django import forms
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

EMPTY_MESSAGE = "Give a value, or leave the parameter out."
#: PostgreSQL accepts time-zone offsets up to 15:59 either way (real zones stay within ±14:00).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


class StrictFilterSet(filters.FilterSet):
    """A FilterSet whose parameters, when present, must hold a value (``?status=`` is a 400
    naming ``status``, not an unfiltered list)."""

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if any(not value.strip() for value in self._sent(name)):
                # This message alone: the field's own ("not one of the choices") adds nothing.
                self.form.errors[name] = self.form.error_class([EMPTY_MESSAGE])
                self.form.cleaned_data.pop(name, None)
                valid = False
        return valid

    def _sent(self, name) -> list[str]:
        if hasattr(self.data, "getlist"):  # a QueryDict: every value of a repeated parameter
            return self.data.getlist(name)
        value = self.data.get(name)
        return [value] if isinstance(value, str) else []


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """true or false, and a 400 for anything else (django-filter's BooleanFilter ignores a
    value it cannot read: ``?urgent=yes`` would list every intake)."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            **kwargs,
        )


class UTCDateTimeField(forms.DateTimeField):
    """An ISO 8601 date-time (a date alone is midnight; no offset is UTC), returned in UTC.
    An offset beyond ±15:59, or an instant outside the years 1–9999 once in UTC, is a
    validation error rather than a value the database refuses."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(
                "Use a time-zone offset between -15:59 and +15:59 (or Z).", code="offset"
            )
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(
                "Out of range: use a date-time between the years 1 and 9999.", code="range"
            ) from None


@extend_schema_field(OpenApiTypes.DATETIME)
class UTCDateTimeFilter(filters.Filter):
    field_class = UTCDateTimeField
