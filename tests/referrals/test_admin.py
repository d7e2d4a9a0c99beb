"""The referrals admin: "Find providers" from a case, referral moves, outcomes, directory."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from ops.audit import ACCESS, entries_for
from referrals import selectors, services
from referrals.matching.engine import URGENT_PATHWAY_NOTICE
from referrals.matching.masks import specialties_mask
from referrals.models import MatchListing, Provider, Referral
from tests.conftest import login, submit
from tests.factories import urgent_payload
from tests.referrals.conftest import case_of, make_provider, provider_body


def matches_url(case):
    return reverse("admin:referrals_case_matches", kwargs={"case_id": case.pk})


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
class TestFindProviders:
    def test_the_url_name_the_case_page_links_to(self, ada):
        case = case_of(ada)
        assert matches_url(case) == f"/admin/referrals/referral/case/{case.pk}/matches/"

    def test_the_ranked_list_with_reasons(self, ada, clinician):
        make_provider(name="Generalist", next_available=timezone.localdate())
        make_provider(name="Maya Chen", specialties=["trd"])
        response = clinician.get(matches_url(case_of(ada)))
        assert response.status_code == 200
        page = response.content.decode()
        assert page.index("Maya Chen") < page.index("Generalist")
        assert "Specialises in treatment-resistant depression" in page
        assert "2 providers meet every hard constraint" in page
        assert 'id="urgent-pathway"' not in page
        assert "988 Suicide &amp; Crisis Lifeline" in page  # support resources
        assert page.count("Refer (draft)") == 2

    def test_one_provider_meets_and_the_request_is_in_words(self, ada, clinician):
        make_provider(name="Maya Chen", specialties=["trd"])
        page = clinician.get(matches_url(case_of(ada))).content.decode()
        assert "1 provider meets every hard constraint" in page
        assert "<dt>Payment</dt><dd>Aetna</dd>" in page
        flags = page[page.index('data-testid="request-flags">') :]
        flags = flags[: flags.index("</dd>")]
        assert "Possible TRD" in flags and "_" not in flags

    def test_viewing_is_an_audit_access_entry(self, ada, clinician, cleo):
        case = case_of(ada)
        clinician.get(matches_url(case))
        entry = LogEntry.objects.filter(object_pk=str(case.pk), action=LogEntry.Action.ACCESS).get()
        assert entry.actor == cleo
        assert entry.additional_data == {"view": "find providers"}

    def test_suicide_risk_shows_the_urgent_pathway_above_the_list(self, clinician):
        case = case_of(submit(urgent_payload(item9=1)))
        make_provider(name="Maya Chen")
        page = clinician.get(matches_url(case)).content.decode()
        assert 'id="urgent-pathway"' in page
        assert "Urgent same-day pathway first" in page
        assert URGENT_PATHWAY_NOTICE in page
        assert page.index('id="urgent-pathway"') < page.index('id="matches"')
        assert "Maya Chen" in page

    def test_one_click_makes_a_draft_recording_the_reasons(self, ada, clinician, cleo):
        provider = make_provider(name="Maya Chen", specialties=["trd"])
        response = clinician.post(
            matches_url(case_of(ada)), {"provider": provider.pk, "note": "Urgent-ish"}
        )
        referral = Referral.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("admin:referrals_referral_change", args=[referral.pk])
        assert referral.status == "draft"
        assert referral.created_by == cleo
        assert referral.note == "Urgent-ish"
        assert referral.match_reasons[0] == "Specialises in treatment-resistant depression"
        page = clinician.get(matches_url(case_of(ada))).content.decode()
        assert "Referral (draft)" in page  # no second button for the same provider

    def test_a_refused_referral_says_why(self, ada, clinician):
        provider = make_provider(accepting_new_patients=False)
        response = clinician.post(matches_url(case_of(ada)), {"provider": provider.pk}, follow=True)
        assert any("Not accepting new patients" in m for m in messages_of(response))
        assert not Referral.objects.exists()

    @pytest.mark.parametrize("persona", ["cora", "dirk"])
    def test_clinicians_only(self, ada, client, request, persona):
        login(client, request.getfixturevalue(persona))
        assert client.get(matches_url(case_of(ada))).status_code == 403

    def test_anonymous_goes_to_login(self, ada, client):
        response = client.get(matches_url(case_of(ada)))
        assert response.status_code == 302
        assert "/admin/login/" in response.url

    def test_unknown_case(self, clinician, db):
        url = reverse(
            "admin:referrals_case_matches",
            kwargs={"case_id": "00000000-0000-0000-0000-000000000000"},
        )
        assert clinician.get(url).status_code == 404


@pytest.mark.django_db
class TestReferralPage:
    @pytest.fixture
    def referral(self, ada, cleo):
        return services.referral_create(
            intake=ada, provider=make_provider(name="Maya Chen"), by=cleo
        )

    def move_url(self, referral):
        return reverse("admin:referrals_referral_move", args=[referral.pk])

    def test_the_page_offers_the_allowed_moves(self, referral, clinician):
        page = clinician.get(
            reverse("admin:referrals_referral_change", args=[referral.pk])
        ).content.decode()
        assert "Mark sent" in page and "Mark cancelled" in page
        assert "Mark scheduled" not in page
        assert "Created → Draft" in page

    def test_a_page_of_facts_not_a_form(self, referral, clinician, cleo):
        url = reverse("admin:referrals_referral_change", args=[referral.pk])
        page = clinician.get(url).content.decode()
        assert "Ada Rivera" in page and "Intake " not in page  # the patient, by name
        assert "Referral to Maya Chen" in page
        assert 'name="_save"' not in page and 'name="_continue"' not in page
        case = case_of(referral.intake)
        crumbs = page[page.index('class="breadcrumbs"') : page.index("</ol>")]
        assert reverse("admin:screening_case_change", args=[case.pk]) in crumbs
        assert "Review queue" in crumbs
        access = entries_for(case).filter(action=ACCESS)
        assert [(e.actor, e.additional_data["view"]) for e in access] == [(cleo, "referral page")]
        assert clinician.post(url, {"status": "sent"}).status_code == 405
        assert Referral.objects.get(pk=referral.pk).status == "draft"

    def test_an_unknown_referral_goes_back_to_the_list(self, clinician):
        response = clinician.get("/admin/referrals/referral/not-a-uuid/change/")
        assert response.status_code == 302

    def test_buttons_move_it(self, referral, clinician):
        clinician.post(self.move_url(referral), {"to": "sent", "expected_status": "draft"})
        clinician.post(self.move_url(referral), {"to": "accepted", "expected_status": "sent"})
        response = clinician.post(
            self.move_url(referral),
            {
                "to": "scheduled",
                "expected_status": "accepted",
                "first_visit_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            },
            follow=True,
        )
        assert "Referral is now scheduled." in messages_of(response)
        assert Referral.objects.get(pk=referral.pk).status == "scheduled"

    def test_an_illegal_move_names_the_allowed_ones(self, referral, clinician):
        response = clinician.post(self.move_url(referral), {"to": "completed"}, follow=True)
        assert messages_of(response) == [
            "Cannot move a referral from draft to completed. Allowed: sent, cancelled."
        ]

    def test_a_stale_page_changes_nothing(self, referral, clinician, cleo):
        services.referral_move(referral=referral, to="sent", by=cleo)
        response = clinician.post(
            self.move_url(referral), {"to": "cancelled", "expected_status": "draft"}, follow=True
        )
        assert messages_of(response) == ["This referral is already sent. Nothing was changed."]

    def test_declined_offers_the_next_match(self, referral, clinician, cleo):
        make_provider(name="Second Choice")
        services.referral_move(referral=referral, to="sent", by=cleo)
        services.referral_move(referral=referral, to="declined", by=cleo)
        page = clinician.get(
            reverse("admin:referrals_referral_change", args=[referral.pk])
        ).content.decode()
        assert "Next match: <strong>Second Choice</strong>" in page

    def test_get_is_not_a_move(self, referral, clinician):
        assert clinician.get(self.move_url(referral)).status_code == 405

    def test_a_directory_manager_cannot_move_referrals(self, referral, client, dirk):
        login(client, dirk)
        assert client.post(self.move_url(referral), {"to": "sent"}).status_code == 403


@pytest.mark.django_db
def test_outcome_report(clinician, cleo):
    """Three referrals to Alpha sent, two reached a first visit 4 and 10 days after intake;
    one to Beta never sent (not counted)."""
    alpha, beta = make_provider(name="Alpha"), make_provider(name="Beta")
    intakes = [submit(), submit(), submit()]
    for n, intake in enumerate(intakes):
        referral = services.referral_create(intake=intake, provider=alpha, by=cleo)
        services.referral_move(referral=referral, to="sent", by=cleo)
        if n < 2:
            services.referral_move(referral=referral, to="accepted", by=cleo)
            visit = timezone.localdate(intake.submitted_at) + timedelta(days=4 + 6 * n)
            services.referral_move(referral=referral, to="scheduled", by=cleo, first_visit_on=visit)
    services.referral_create(intake=intakes[0], provider=beta, by=cleo)
    overall, per_provider = selectors.referral_outcomes()
    assert (overall.sent, overall.scheduled, overall.median_days_to_first_visit) == (3, 2, 7)
    assert overall.share_scheduled == pytest.approx(2 / 3)
    assert [(o.label, o.sent, o.scheduled) for o in per_provider] == [
        (f"Alpha ({alpha.npi})", 3, 2)
    ]
    page = clinician.get(reverse("admin:referrals_referral_outcomes")).content.decode()
    start = page.index('id="outcomes"')
    table = page[start : page.index("</table>", start)]
    assert "All providers" in table and f"Alpha ({alpha.npi})" in table
    assert "67 %" in table
    assert "Beta" not in table
    changelist = clinician.get(reverse("admin:referrals_referral_changelist")).content.decode()
    assert reverse("admin:referrals_referral_outcomes") in changelist


@pytest.mark.django_db
class TestDirectoryAdmin:
    def test_stale_listings_are_shown(self, client, dirk):
        login(client, dirk)
        make_provider(name="Fresh One")
        make_provider(
            name="Stale One", availability_confirmed_at=timezone.now() - timedelta(days=45)
        )
        make_provider(
            name="Expired One",
            licenses=[{"state": "NY", "expires_on": timezone.localdate() - timedelta(days=2)}],
        )
        page = client.get("/admin/referrals/provider/?freshness=attention").content.decode()
        assert "Stale One" in page and "Expired One" in page and "Fresh One" not in page
        assert "availability stale" in page and "licence expired: NY" in page

    def test_confirm_availability_action(self, client, dirk):
        login(client, dirk)
        stale = make_provider(availability_confirmed_at=None)
        client.post(
            "/admin/referrals/provider/",
            {"action": "confirm_availability_today", "_selected_action": [stale.pk]},
        )
        stale.refresh_from_db()
        assert timezone.now() - stale.availability_confirmed_at < timedelta(minutes=1)
        listing = MatchListing.objects.get(provider=stale)
        assert listing.availability_confirmed_at == stale.availability_confirmed_at

    def test_add_a_listing_in_the_admin(self, client, dirk):
        login(client, dirk)
        body = provider_body()
        data = {
            "npi": "1234567893",
            "name": "Maya Chen",
            "credentials": "MD",
            "provider_type": "psychiatrist",
            "specialties": ["trd"],
            "treatments": ["esketamine"],
            "modalities": ["telehealth", "in_person"],
            "languages": "en, es",
            "postal_code": "10027",
            "self_pay": "on",
            "accepting_new_patients": "on",
            "next_available": "",
            "availability_confirmed_at_0": "",
            "availability_confirmed_at_1": "",
            "licenses-TOTAL_FORMS": "1",
            "licenses-INITIAL_FORMS": "0",
            "licenses-0-state": "NY",
            "licenses-0-expires_on": body["licenses"][0]["expires_on"],
            "insurance-TOTAL_FORMS": "1",
            "insurance-INITIAL_FORMS": "0",
            "insurance-0-payer": "aetna",
        }
        response = client.post("/admin/referrals/provider/add/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        provider = Provider.objects.get(npi="1234567893")
        assert provider.languages == ["en", "es"]
        assert provider.location == pytest.approx((40.8116, -73.955))
        assert provider.modalities == ["telehealth", "in_person"]
        assert list(provider.insurance.values_list("payer", flat=True)) == ["aetna"]
        # What matching reads followed the form and its inlines (referrals.listings).
        [listing] = MatchListing.objects.filter(provider=provider)
        assert (listing.state, listing.payers, listing.self_pay) == ("NY", ["aetna"], True)
        assert listing.specialties_mask == specialties_mask(["trd"])

    def test_changing_a_licence_inline_moves_the_listing(self, client, dirk):
        login(client, dirk)
        provider = make_provider()
        lic = provider.licenses.get()
        payer = provider.insurance.get()
        expires = (timezone.localdate() + timedelta(days=200)).isoformat()
        data = {
            "npi": provider.npi,
            "name": provider.name,
            "credentials": "MD",
            "provider_type": "psychiatrist",
            "treatments": ["medication_management"],
            "modalities": ["telehealth"],
            "languages": "en",
            "postal_code": "10027",
            "accepting_new_patients": "on",
            "next_available": "",
            "availability_confirmed_at_0": "",
            "availability_confirmed_at_1": "",
            "licenses-TOTAL_FORMS": "1",
            "licenses-INITIAL_FORMS": "1",
            "licenses-0-id": lic.pk,
            "licenses-0-provider": provider.pk,
            "licenses-0-state": "NJ",
            "licenses-0-expires_on": expires,
            "insurance-TOTAL_FORMS": "1",
            "insurance-INITIAL_FORMS": "1",
            "insurance-0-id": payer.pk,
            "insurance-0-provider": provider.pk,
            "insurance-0-payer": "cigna",
        }
        response = client.post(f"/admin/referrals/provider/{provider.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        [listing] = MatchListing.objects.filter(provider=provider)
        assert (listing.state, listing.licence_expires_on.isoformat()) == ("NJ", expires)
        assert (listing.payers, listing.offers_in_person) == (["cigna"], False)

    def test_the_admin_form_checks_the_npi(self, client, dirk):
        login(client, dirk)
        response = client.post(
            "/admin/referrals/provider/add/",
            {
                "npi": "1234567890",
                "name": "X",
                "provider_type": "therapist",
                "modalities": ["telehealth"],
                "postal_code": "10027",
                "licenses-TOTAL_FORMS": "0",
                "licenses-INITIAL_FORMS": "0",
                "insurance-TOTAL_FORMS": "0",
                "insurance-INITIAL_FORMS": "0",
            },
        )
        assert "check digit" in str(response.context["adminform"].form.errors["npi"])

    def test_a_clinician_sees_but_cannot_change_the_directory(self, clinician):
        provider = make_provider()
        assert clinician.get("/admin/referrals/provider/").status_code == 200
        page = clinician.get(f"/admin/referrals/provider/{provider.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
