from django.db import models


class Heartbeat(models.Model):
    """A round trip through the task queue: written on enqueue, confirmed by a worker.

    The beat schedule sends one every minute, so the newest row says when the scheduler and a
    worker were last both alive; the pipeline tests use the same round trip.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    worker_seen_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="beat")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"heartbeat {self.pk} ({self.source})"
