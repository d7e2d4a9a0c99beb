"""Worked ranking examples: screening flags first, then opening, distance, language (pure)."""

from datetime import timedelta

import pytest

from referrals.matching import match_providers
from referrals.matching.engine import URGENT_PATHWAY_NOTICE
from tests.referrals.builders import JERSEY_CITY, TODAY, listing, on, request


def order(providers, **request_overrides):
    return [m.provider.id for m in match_providers(providers, request(**request_overrides)).matches]


class TestClinicalFit:
    def test_possible_trd_prefers_the_trd_specialist_over_a_sooner_generalist(self):
        generalist = listing(1, next_available=on(0))
        specialist = listing(2, specialties=frozenset({"trd"}), next_available=on(30))
        assert order([generalist, specialist], flags=frozenset({"possible_trd"})) == ["p2", "p1"]
        # Without the flag the sooner opening wins.
        assert order([generalist, specialist]) == ["p1", "p2"]

    def test_possible_trd_values_interventional_treatments(self):
        plain = listing(1)
        rtms = listing(2, treatments=frozenset({"rtms", "medication_management"}))
        both = listing(3, specialties=frozenset({"trd"}), treatments=frozenset({"esketamine"}))
        assert order([plain, rtms, both], flags=frozenset({"possible_trd"})) == ["p3", "p2", "p1"]

    def test_possible_bipolar_prefers_a_psychiatrist_with_bipolar(self):
        np_bipolar = listing(1, provider_type="psychiatric_np", specialties=frozenset({"bipolar"}))
        psychiatrist = listing(2, specialties=frozenset({"bipolar"}))
        plain = listing(3, next_available=on(0))
        assert order([np_bipolar, psychiatrist, plain], flags=frozenset({"possible_bipolar"})) == [
            "p2",
            "p1",
            "p3",
        ]

    @pytest.mark.parametrize(
        ("flag", "specialty", "reason"),
        [
            (
                "substance_use",
                "substance_use",
                "Treats co-occurring substance use (dual diagnosis)",
            ),
            ("eating_disorder", "eating_disorders", "Specialises in eating disorders"),
            ("possible_ocd", "ocd", "Specialises in OCD"),
            ("possible_panic", "panic", "Specialises in panic disorder"),
            ("possible_ptsd", "trauma", "Specialises in trauma and PTSD"),
        ],
    )
    def test_each_flag_prefers_its_specialty(self, flag, specialty, reason):
        plain = listing(1, next_available=on(0))
        fit = listing(2, specialties=frozenset({specialty}), next_available=on(40))
        result = match_providers([plain, fit], request(flags=frozenset({flag})))
        assert [m.provider.id for m in result.matches] == ["p2", "p1"]
        assert result.matches[0].reasons[0] == reason
        assert reason not in result.matches[1].reasons

    def test_fit_adds_up_over_flags(self):
        trd_only = listing(1, specialties=frozenset({"trd"}))
        trd_and_sud = listing(2, specialties=frozenset({"trd", "substance_use"}))
        flags = frozenset({"possible_trd", "substance_use"})
        assert order([trd_only, trd_and_sud], flags=flags) == ["p2", "p1"]

    def test_flags_without_a_preference_change_nothing(self):
        a, b = listing(1, next_available=on(3)), listing(2, next_available=on(1))
        assert order([a, b], flags=frozenset({"anxiety", "childhood_adversity"})) == ["p2", "p1"]


class TestPractical:
    def test_sooner_opening_first(self):
        assert order([listing(1, next_available=on(20)), listing(2, next_available=on(2))]) == [
            "p2",
            "p1",
        ]

    def test_a_past_opening_date_counts_as_today_and_none_listed_goes_last(self):
        past = listing(1, next_available=TODAY - timedelta(days=5))
        today = listing(2, next_available=on(0))
        unknown = listing(3, next_available=None)
        result = match_providers([unknown, past, today], request())
        assert [m.provider.id for m in result.matches] == ["p1", "p2", "p3"]
        assert result.matches[0].reasons[0] == "Next opening today"
        assert result.matches[2].reasons[0] == "No next opening listed"

    def test_nearer_first_on_the_same_day(self):
        near = listing(1)  # in Harlem
        across = listing(2, location=JERSEY_CITY)
        assert order([across, near], modality="in_person") == ["p1", "p2"]

    def test_language_breaks_a_tie(self):
        english = listing(1)
        spanish = listing(2, languages=frozenset({"en", "es"}))
        result = match_providers([english, spanish], request(languages=("es",)))
        assert [m.provider.id for m in result.matches] == ["p2", "p1"]
        assert "Speaks Spanish" in result.matches[0].reasons
        assert "Does not list Spanish (an interpreter may be needed)" in result.matches[1].reasons

    def test_identical_listings_are_ordered_by_npi(self):
        a, b, c = listing(3), listing(1), listing(2)
        assert order([a, b, c]) == ["p1", "p2", "p3"]


def test_worked_example_with_reasons_and_scores():
    """A possible-TRD patient in Harlem, aetna, either modality, 30 miles, Spanish.

    Maya: fit 4 of 4; practical 0.5 x (1 - 4/60) + 0.3 x (1 - 2.0/30) + 0.2 = 0.9467,
    score (4 + 0.9467) / 5. Ana (telehealth only, "either"): 0.5 + 0.3 x 0.5 + 0.2 = 0.85,
    score 0.17. Jon (7.8 miles, no Spanish): 0.5 x 59/60 + 0.3 x (1 - 7.83/30) = 0.7134,
    score 0.1427.
    """
    maya = listing(
        1,
        name="Maya Chen",
        specialties=frozenset({"trd", "bipolar"}),
        treatments=frozenset({"medication_management", "esketamine", "rtms"}),
        languages=frozenset({"en", "es"}),
        next_available=on(4),
        location=(40.7870, -73.9754),
    )  # Upper West Side, 10024
    jon = listing(
        2,
        name="Jon Park",
        location=JERSEY_CITY,
        next_available=on(1),
        modalities=frozenset({"in_person"}),
    )
    ana = listing(
        3,
        name="Ana Ruiz",
        provider_type="therapist",
        self_pay=True,
        insurance=frozenset(),
        next_available=on(0),
        modalities=frozenset({"telehealth"}),
        languages=frozenset({"es"}),
    )
    result = match_providers(
        [ana, jon, maya],
        request(flags=frozenset({"possible_trd"}), languages=("es",), self_pay=True),
    )
    by_name = [(m.rank, m.provider.name, m.score, m.reasons) for m in result.matches]
    assert by_name == [
        (
            1,
            "Maya Chen",
            0.9893,
            (
                "Specialises in treatment-resistant depression",
                "Offers esketamine and rTMS (interventional treatments for TRD)",
                "Next opening in 4 days (2026-11-24)",
                "Telehealth, or in person 2.0 miles away",
                "Speaks Spanish",
                "In network with aetna",
                "Licensed in NY until 2027-11-20",
            ),
        ),
        (
            2,
            "Ana Ruiz",
            0.17,
            (
                "Next opening today",
                "Telehealth",
                "Speaks Spanish",
                "Accepts self-pay",
                "Licensed in NY until 2027-11-20",
            ),
        ),
        (
            3,
            "Jon Park",
            0.1427,
            (
                "Next opening tomorrow (2026-11-21)",
                "In person 7.8 miles away",
                "Does not list Spanish (an interpreter may be needed)",
                "In network with aetna",
                "Licensed in NY until 2027-11-20",
            ),
        ),
    ]
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert result.eligible == 3


def test_limit_keeps_the_best():
    providers = [listing(n, next_available=on(n)) for n in range(1, 6)]
    result = match_providers(providers, request(), limit=2)
    assert [m.provider.id for m in result.matches] == ["p1", "p2"]
    assert result.eligible == 5


class TestSuicideRisk:
    def test_the_urgent_pathway_comes_above_any_list(self):
        result = match_providers([listing()], request(flags=frozenset({"suicide_risk"})))
        assert result.urgent_pathway is True
        assert result.notes[0] == URGENT_PATHWAY_NOTICE
        assert "not a substitute" in URGENT_PATHWAY_NOTICE

    def test_even_with_no_match_at_all(self):
        result = match_providers([], request(flags=frozenset({"suicide_risk"})))
        assert result.matches == ()
        assert result.notes == (URGENT_PATHWAY_NOTICE,)

    def test_absent_without_the_flag(self):
        result = match_providers([listing()], request(flags=frozenset({"possible_trd"})))
        assert result.urgent_pathway is False
        assert result.notes == ()


def test_the_same_zip_code_is_said_in_words():
    (match,) = match_providers([listing()], request()).matches
    assert "Telehealth, or in person in the patient's ZIP code area" in match.reasons
    (far,) = match_providers(
        [listing(location=JERSEY_CITY, modalities=frozenset({"in_person"}))], request()
    ).matches
    assert "In person 7.8 miles away" in far.reasons
