"""The floor's one table: what a bare DRF endpoint validates and inserts (bench only)."""

from django.db import models


class BareItem(models.Model):
    name = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name
