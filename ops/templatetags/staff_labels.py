"""``{% load staff_labels %}``: ``{{ code|label:"payer" }}`` and ``{{ codes|labels:"language" }}``
(the words of ops.labels; a list comes back joined with commas), ``{{ case.pk|short_id }}``."""

from django import template

from ops import labels as tables
from ops.text import short_id as _short_id

register = template.Library()


@register.filter
def label(code, kind):
    return tables.label(kind, code)


@register.filter
def labels(codes, kind):
    return ", ".join(tables.labels(kind, codes))


@register.filter
def short_id(pk):
    return _short_id(pk)
