"""``{% load staff_labels %}``: ``{{ code|label:"payer" }}`` and ``{{ codes|labels:"language" }}``
(the words of ops.labels; a list comes back joined with commas)."""

from django import template

from ops import labels as tables

register = template.Library()


@register.filter
def label(code, kind):
    return tables.label(kind, code)


@register.filter
def labels(codes, kind):
    return ", ".join(tables.labels(kind, codes))
