"""The floor: a bare DRF endpoint that validates a small payload and inserts one row.

It runs with the project's DRF defaults (token authentication, ``IsAuthenticated``, the user
and anon throttles backed by the Redis cache) in the same gunicorn processes as the intake API,
so the ratio of the two isolates what the intake endpoint itself costs.
"""

from rest_framework import generics, serializers

from bench.models import BareItem


class BareItemSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(min_value=0, max_value=27)

    class Meta:
        model = BareItem
        fields = ["id", "name", "score"]


class BareCreateView(generics.CreateAPIView):
    serializer_class = BareItemSerializer
