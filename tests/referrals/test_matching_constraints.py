"""Each hard constraint on its own, both sides of every boundary (pure)."""

from datetime import timedelta

import pytest

from referrals.matching import Licence, match_providers
from referrals.matching.constraints import (
    care_modes,
    is_eligible,
    unmet_constraints,
    valid_licence,
)
from tests.referrals.builders import (
    HARLEM,
    JERSEY_CITY,
    NOW,
    PHILADELPHIA,
    TODAY,
    listing,
    request,
)


def test_the_default_listing_and_request_match():
    assert unmet_constraints(listing(), request()) == ()


class TestLicence:
    def test_licensed_in_another_state_only(self):
        provider = listing(licences=(Licence("NJ", TODAY + timedelta(days=90)),))
        assert unmet_constraints(provider, request()) == (
            "Not licensed (or licence expired) in NY",
        )

    @pytest.mark.parametrize(("days", "valid"), [(0, True), (-1, False), (1, True)])
    def test_a_licence_is_valid_through_its_expiry_day(self, days, valid):
        provider = listing(licences=(Licence("NY", TODAY + timedelta(days=days)),))
        assert is_eligible(provider, request()) is valid

    def test_an_expired_licence_beside_a_renewed_one_still_counts_the_renewal(self):
        provider = listing(
            licences=(
                Licence("NY", TODAY - timedelta(days=400)),
                Licence("NY", TODAY + timedelta(days=10)),
            )
        )
        assert valid_licence(provider, "NY", TODAY).expires_on == TODAY + timedelta(days=10)


def test_not_accepting():
    assert unmet_constraints(listing(accepting_new_patients=False), request()) == (
        "Not accepting new patients",
    )


class TestPayment:
    def test_in_network(self):
        assert is_eligible(listing(insurance=frozenset({"aetna", "cigna"})), request())

    def test_out_of_network_and_not_self_pay(self):
        provider = listing(insurance=frozenset({"cigna"}), self_pay=True)
        assert unmet_constraints(provider, request()) == ("Does not take aetna",)

    def test_a_self_paying_patient_needs_a_provider_taking_self_pay(self):
        assert is_eligible(listing(insurance=frozenset(), self_pay=True), request(self_pay=True))
        assert unmet_constraints(
            listing(insurance=frozenset({"cigna"})), request(self_pay=True)
        ) == ("Does not take aetna or self-pay",)

    def test_no_payer_on_file_means_self_pay(self):
        assert is_eligible(listing(self_pay=True), request(payer=""))
        assert unmet_constraints(listing(self_pay=False), request(payer="")) == (
            "Does not accept self-pay",
        )


class TestModality:
    def test_telehealth_wanted(self):
        assert care_modes(listing(), request(modality="telehealth")) == ("telehealth",)
        provider = listing(modalities=frozenset({"in_person"}))
        assert unmet_constraints(provider, request(modality="telehealth")) == (
            "Does not offer telehealth",
        )

    def test_telehealth_ignores_distance(self):
        far = listing(location=(34.05, -118.24))  # practice in Los Angeles, licensed in NY
        assert care_modes(far, request(modality="telehealth")) == ("telehealth",)

    @pytest.mark.parametrize(("limit", "eligible"), [(7, False), (8, True)])
    def test_in_person_within_the_distance_limit(self, limit, eligible):
        # Harlem to Jersey City is 7.8 miles.
        provider = listing(location=JERSEY_CITY, modalities=frozenset({"in_person"}))
        assert (
            is_eligible(provider, request(modality="in_person", max_distance_miles=limit))
            is eligible
        )

    def test_either_accepts_a_far_provider_by_telehealth_only(self):
        provider = listing(location=PHILADELPHIA)
        assert care_modes(provider, request(modality="either")) == ("telehealth",)

    def test_without_a_patient_location_only_telehealth_matches(self):
        in_person_only = listing(modalities=frozenset({"in_person"}))
        assert unmet_constraints(in_person_only, request(location=None)) == (
            "In person only, and the patient's location is unknown",
        )
        assert care_modes(listing(), request(location=None)) == ("telehealth",)

    def test_in_person_far_away(self):
        provider = listing(location=PHILADELPHIA, modalities=frozenset({"in_person"}))
        assert unmet_constraints(provider, request(modality="in_person")) == (
            "In person only, 87 miles away (limit 30)",
        )


def test_provider_types():
    therapist = listing(provider_type="therapist")
    assert is_eligible(therapist, request())  # no preference: any type
    assert is_eligible(therapist, request(provider_types=frozenset({"therapist"})))
    assert unmet_constraints(therapist, request(provider_types=frozenset({"psychiatrist"}))) == (
        "Not one of the wanted provider types (therapist)",
    )


@pytest.mark.parametrize(
    ("age", "fresh"),
    [(timedelta(days=30), True), (timedelta(days=30, seconds=1), False), (timedelta(0), True)],
)
def test_availability_confirmed_within_30_days(age, fresh):
    assert is_eligible(listing(availability_confirmed_at=NOW - age), request()) is fresh


def test_never_confirmed_is_stale():
    assert unmet_constraints(listing(availability_confirmed_at=None), request()) == (
        "Availability not confirmed in the last 30 days",
    )


def test_every_failure_is_named():
    provider = listing(
        licences=(),
        accepting_new_patients=False,
        insurance=frozenset(),
        modalities=frozenset({"in_person"}),
        location=PHILADELPHIA,
        provider_type="therapist",
        availability_confirmed_at=None,
    )
    unmet = unmet_constraints(
        provider, request(modality="in_person", provider_types=frozenset({"psychiatrist"}))
    )
    assert len(unmet) == 6


class TestStateBorders:
    """The licence follows the patient's state; distance ignores state lines."""

    def test_an_nj_practice_licensed_in_ny_is_in_reach_of_harlem(self):
        provider = listing(location=JERSEY_CITY, modalities=frozenset({"in_person"}))
        result = match_providers([provider], request(modality="in_person"))
        assert [m.provider.id for m in result.matches] == ["p1"]
        assert result.matches[0].distance_miles == pytest.approx(7.8, abs=0.1)

    def test_a_nearer_practice_licensed_only_across_the_river_is_not(self):
        provider = listing(
            location=JERSEY_CITY, licences=(Licence("NJ", TODAY + timedelta(days=90)),)
        )
        assert match_providers([provider], request()).matches == ()

    def test_kansas_city_across_state_line(self):
        kc_missouri, kc_kansas = (39.0565, -94.5929), (39.0668, -94.6282)  # 64111, 66103
        provider = listing(
            location=kc_kansas,
            modalities=frozenset({"in_person"}),
            licences=(
                Licence("MO", TODAY + timedelta(days=90)),
                Licence("KS", TODAY + timedelta(days=90)),
            ),
        )
        mo_patient = request(
            state="MO", location=kc_missouri, modality="in_person", max_distance_miles=5
        )
        (match,) = match_providers([provider], mo_patient).matches
        assert match.distance_miles == pytest.approx(2.0, abs=0.1)
        assert "Licensed in MO" in match.reasons[-1]
        assert (
            match_providers(
                [provider],
                request(
                    state="MO", location=kc_missouri, modality="in_person", max_distance_miles=1
                ),
            ).matches
            == ()
        )


def test_without_location_notes_say_only_telehealth():
    result = match_providers([listing()], request(location=None))
    assert result.notes == (
        "The patient has no usable ZIP code, so in-person distance cannot be checked: only "
        "telehealth providers are matched.",
    )
    assert [m.care_modes for m in result.matches] == [("telehealth",)]
    in_person = match_providers([listing()], request(location=None, modality="in_person"))
    assert in_person.matches == ()
    assert "asked for in-person care" in in_person.notes[0]


def test_harlem_fixture_is_where_we_think():
    assert HARLEM == (40.8116, -73.955)
