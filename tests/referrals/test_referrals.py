"""Referrals: the closed loop through the API and the services (moves, audit, decline)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from referrals import services
from referrals.models import Referral, ReferralEvent, ReferralStatus
from tests.referrals.conftest import make_provider

URL = "/api/v1/referrals/"


def post(client, body):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def move(client, referral, **body):
    return client.patch(
        f"{URL}{referral.pk}/", data=json.dumps(body), content_type="application/json"
    )


def today_plus(n):
    return (timezone.localdate() + timedelta(days=n)).isoformat()


@pytest.fixture
def specialist(db):
    return make_provider(name="Maya Chen", specialties=["trd"])


@pytest.fixture
def draft(ada, specialist, cleo):
    return services.referral_create(intake=ada, provider=specialist, by=cleo, note="Please see")


@pytest.mark.django_db
class TestCreate:
    def test_a_draft_records_the_match(self, ada, specialist, cleo_api, cleo):
        make_provider(name="Generalist", next_available=timezone.localdate())
        response = post(
            cleo_api, {"intake": str(ada.pk), "provider": str(specialist.pk), "note": "TRD review"}
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "draft"
        assert body["allowed_moves"] == ["sent", "cancelled"]
        assert body["note"] == "TRD review"
        assert body["match"]["rank"] == 1
        assert body["match"]["reasons"][0] == "Specialises in treatment-resistant depression"
        assert 0 < body["match"]["score"] <= 1
        assert body["events"] == [
            {
                "from_status": None,
                "to_status": "draft",
                "by": "cleo",
                "at": body["status_changed_at"],
                "note": "",
            }
        ]
        referral = Referral.objects.get(pk=body["id"])
        assert referral.created_by == cleo

    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 403), ("dirk", 403)],
        indirect=["persona_api"],
    )
    def test_clinicians_only(self, ada, specialist, persona_api, status):
        response = post(persona_api, {"intake": str(ada.pk), "provider": str(specialist.pk)})
        assert response.status_code == status
        assert not Referral.objects.exists()

    def test_a_provider_failing_a_hard_constraint_is_refused(self, ada, cleo_api):
        far = make_provider(
            licenses=[{"state": "NJ", "expires_on": today_plus(100)}], accepting_new_patients=False
        )
        response = post(cleo_api, {"intake": str(ada.pk), "provider": str(far.pk)})
        assert response.status_code == 400
        assert response.json() == {
            "provider": [
                "This provider does not meet the intake's hard constraints: Not licensed (or "
                "licence expired) in NY; Not accepting new patients."
            ]
        }

    def test_unknown_intake_and_provider(self, cleo_api, db):
        response = post(
            cleo_api,
            {
                "intake": "00000000-0000-0000-0000-000000000000",
                "provider": "00000000-0000-0000-0000-000000000001",
            },
        )
        assert response.json() == {"intake": ["No such intake."], "provider": ["No such provider."]}

    def test_bad_body(self, cleo_api, db):
        response = post(cleo_api, {"intake": "x", "provider": "y", "extra": 1})
        assert response.status_code == 400
        assert set(response.json()) == {"intake", "provider", "extra"}

    def test_one_open_referral_per_provider(self, draft, cleo_api):
        response = post(
            cleo_api, {"intake": str(draft.intake_id), "provider": str(draft.provider_id)}
        )
        assert response.json() == {
            "provider": ["An open referral to this provider already exists for this intake."]
        }

    def test_after_a_cancellation_the_provider_can_be_referred_again(self, draft, cleo):
        services.referral_move(referral=draft, to="cancelled", by=cleo)
        again = services.referral_create(intake=draft.intake, provider=draft.provider, by=cleo)
        assert again.status == "draft"

    def test_the_service_checks_the_permission_too(self, ada, specialist, dirk):
        with pytest.raises(PermissionDenied):
            services.referral_create(intake=ada, provider=specialist, by=dirk)


@pytest.mark.django_db
class TestMoves:
    def test_the_whole_loop(self, draft, cleo_api):
        assert move(cleo_api, draft, status="sent").json()["allowed_moves"] == [
            "accepted",
            "declined",
            "cancelled",
        ]
        assert move(cleo_api, draft, status="accepted").json()["allowed_moves"] == [
            "scheduled",
            "cancelled",
        ]
        body = move(cleo_api, draft, status="scheduled", first_visit_on=today_plus(5)).json()
        assert body["first_visit_on"] == today_plus(5)
        assert body["allowed_moves"] == ["completed", "cancelled"]
        body = move(cleo_api, draft, status="completed", note="Seen").json()
        assert body["status"] == "completed"
        assert body["allowed_moves"] == []
        assert [(e["from_status"], e["to_status"], e["by"]) for e in body["events"]] == [
            (None, "draft", "cleo"),
            ("draft", "sent", "cleo"),
            ("sent", "accepted", "cleo"),
            ("accepted", "scheduled", "cleo"),
            ("scheduled", "completed", "cleo"),
        ]
        assert body["events"][-1]["note"] == "Seen"

    @pytest.mark.parametrize(
        ("path", "to", "message"),
        [
            (
                [],
                "scheduled",
                "Cannot move a referral from draft to scheduled. Allowed: sent, cancelled.",
            ),
            (
                [],
                "accepted",
                "Cannot move a referral from draft to accepted. Allowed: sent, cancelled.",
            ),
            (
                ["sent"],
                "completed",
                "Cannot move a referral from sent to completed. "
                "Allowed: accepted, declined, cancelled.",
            ),
            (
                ["sent", "declined"],
                "cancelled",
                "Cannot move a referral from declined to cancelled. None: a declined referral "
                "is closed.",
            ),
            (
                ["cancelled"],
                "sent",
                "Cannot move a referral from cancelled to sent. None: a cancelled referral "
                "is closed.",
            ),
            ([], "draft", "Cannot move a referral from draft to draft. Allowed: sent, cancelled."),
        ],
    )
    def test_an_illegal_move_is_refused_naming_the_allowed_ones(
        self, draft, cleo, cleo_api, path, to, message
    ):
        for step in path:
            services.referral_move(referral=draft, to=step, by=cleo)
        events = ReferralEvent.objects.count()
        response = move(cleo_api, draft, status=to)
        assert response.status_code == 400
        assert response.json() == {"status": [message]}
        assert ReferralEvent.objects.count() == events

    def test_an_unknown_status_is_400(self, draft, cleo_api):
        response = move(cleo_api, draft, status="lost")
        assert response.json() == {
            "status": ["Not one of the allowed values (the API schema lists them)."]
        }

    def test_scheduling_needs_the_first_visit(self, draft, cleo, cleo_api):
        services.referral_move(referral=draft, to="sent", by=cleo)
        services.referral_move(referral=draft, to="accepted", by=cleo)
        response = move(cleo_api, draft, status="scheduled")
        assert response.json() == {
            "first_visit_on": ["Give the first visit's date to schedule the referral."]
        }
        before = (draft.intake.submitted_at - timedelta(days=2)).date().isoformat()
        response = move(cleo_api, draft, status="scheduled", first_visit_on=before)
        assert response.json() == {
            "first_visit_on": ["The first visit cannot be before the intake."]
        }
        draft.refresh_from_db()
        assert draft.status == "accepted"

    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 403), ("dirk", 403)],
        indirect=["persona_api"],
    )
    def test_clinicians_only(self, draft, persona_api, status):
        assert move(persona_api, draft, status="sent").status_code == status

    def test_a_move_and_its_audit_row_commit_together(self, draft, cleo, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(ReferralEvent.objects, "create", broken)
        with pytest.raises(RuntimeError):
            services.referral_move(referral=draft, to="sent", by=cleo)
        assert Referral.objects.get(pk=draft.pk).status == "draft"

    def test_a_concurrent_move_is_refused(self, draft, cleo):
        mine = Referral.objects.get(pk=draft.pk)
        theirs = Referral.objects.get(pk=draft.pk)
        services.referral_move(referral=theirs, to="sent", by=cleo)
        with pytest.raises(services.AlreadyMoved, match="it is now sent"):
            services.referral_move(referral=mine, to="cancelled", by=cleo)
        assert Referral.objects.get(pk=draft.pk).status == "sent"

    def test_expected_status_guards_a_stale_page(self, draft, cleo):
        with pytest.raises(services.AlreadyMoved):
            services.referral_move(referral=draft, to="sent", by=cleo, expected_status="sent")

    def test_a_409_for_the_api_when_someone_moved_first(self, draft, cleo, cleo_api, monkeypatch):
        original = services.referral_move

        def racing(**kwargs):
            Referral.objects.filter(pk=kwargs["referral"].pk).update(status="cancelled")
            return original(**kwargs)

        monkeypatch.setattr(services, "referral_move", racing)
        response = move(cleo_api, draft, status="sent")
        assert response.status_code == 409


@pytest.mark.django_db
class TestDecline:
    def test_a_decline_offers_the_next_match(self, ada, cleo, cleo_api):
        first = make_provider(name="First", specialties=["trd"])
        make_provider(name="Second", next_available=timezone.localdate())
        make_provider(name="Third", next_available=timezone.localdate() + timedelta(days=20))
        referral = services.referral_create(intake=ada, provider=first, by=cleo)
        services.referral_move(referral=referral, to="sent", by=cleo)
        body = move(cleo_api, referral, status="declined", note="Not taking TRD now").json()
        assert body["status"] == "declined"
        assert body["next_match"]["provider"]["name"] == "Second"
        assert body["next_match"]["reasons"]

    def test_no_next_match_when_everyone_was_tried(self, ada, cleo, cleo_api):
        only = make_provider(name="Only")
        referral = services.referral_create(intake=ada, provider=only, by=cleo)
        services.referral_move(referral=referral, to="sent", by=cleo)
        assert move(cleo_api, referral, status="declined").json()["next_match"] is None


@pytest.mark.django_db
class TestRead:
    def test_list_and_filters(self, draft, cleo, cleo_api):
        other = services.referral_create(
            intake=draft.intake, provider=make_provider(name="Other"), by=cleo
        )
        services.referral_move(referral=other, to="sent", by=cleo)
        assert [r["id"] for r in cleo_api.get(URL).json()["results"]] == [
            str(other.pk),
            str(draft.pk),
        ]
        assert [r["id"] for r in cleo_api.get(f"{URL}?status=sent").json()["results"]] == [
            str(other.pk)
        ]
        assert cleo_api.get(f"{URL}?intake={draft.intake_id}").json()["count"] == 2
        assert cleo_api.get(f"{URL}?follow_up=true").json()["count"] == 0
        assert cleo_api.get(f"{URL}?follow_up=maybe").status_code == 400

    def test_detail_and_404(self, draft, cleo_api):
        assert cleo_api.get(f"{URL}{draft.pk}/").json()["status"] == ReferralStatus.DRAFT
        assert cleo_api.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404

    def test_delete_is_not_offered(self, draft, cleo_api):
        assert cleo_api.delete(f"{URL}{draft.pk}/").status_code == 405
