"""Migration screening 0005 on a populated database: the safety events recorded before it (not
yet joined to an intake) get the blind indexes of the email and external id they hold."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from intake.crypto import blind_index

BEFORE = [("screening", "0004_safety_events")]
AFTER = [("screening", "0005_safety_event_contact_indexes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_indexed_from_their_body_or_draft():
    old = migrate(BEFORE)
    try:
        Event = old.get_model("screening", "SafetyEvent")
        Draft = old.get_model("intake", "IntakeDraft")
        body = {"patient": {"email": "Ada@Example.org", "external_id": "MRN-00042"}}
        rejected = Event.objects.create(source="api", rejected_body=json.dumps(body))
        draft = Draft.objects.create(
            expires_at=timezone.now() + timedelta(days=30),
            data={"about-you": {"about-you-email": "bo@example.org"}},
        )
        from_draft = Event.objects.create(source="draft", draft=draft)
        draft_gone = Event.objects.create(source="draft")

        new = migrate(AFTER)
        Event = new.get_model("screening", "SafetyEvent")
        rejected = Event.objects.get(pk=rejected.pk)
        assert rejected.email_index == blind_index("email", "ada@example.org")
        assert rejected.external_id_index == blind_index("external_id", "MRN-00042")
        from_draft = Event.objects.get(pk=from_draft.pk)
        assert from_draft.email_index == blind_index("email", "bo@example.org")
        assert from_draft.external_id_index == ""
        draft_gone = Event.objects.get(pk=draft_gone.pk)
        assert draft_gone.email_index == "" and draft_gone.external_id_index == ""
    finally:
        migrate(migrate_latest())
