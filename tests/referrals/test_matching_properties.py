"""Properties of matching over random directories (hypothesis, pure)."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.matching import CareRequest, Licence, ProviderListing, match_providers
from referrals.matching.constraints import eligibility, unmet_constraints
from referrals.matching.distance import haversine_miles
from referrals.matching.scoring import clinical_fit, fit_points
from referrals.matching.types import PROVIDER_TYPES, SPECIALTIES, TREATMENTS
from referrals.npi import make_npi
from tests.referrals.builders import NOW, TODAY

STATES = ("NY", "NJ", "CT")
PAYERS = ("aetna", "cigna", "medicaid")
LANGUAGES = ("en", "es", "zh")
FLAGS = (
    "suicide_risk",
    "possible_trd",
    "possible_bipolar",
    "substance_use",
    "eating_disorder",
    "possible_ocd",
    "possible_panic",
    "possible_ptsd",
    "anxiety",
)

# Around New York City, across three states: about 70 x 55 miles.
points = st.tuples(st.floats(40.4, 41.4), st.floats(-74.6, -73.3))
licences = st.lists(
    st.builds(
        Licence,
        st.sampled_from(STATES),
        st.integers(-30, 400).map(lambda d: TODAY + timedelta(days=d)),
    ),
    max_size=3,
).map(tuple)
openings = st.one_of(st.none(), st.integers(-5, 90).map(lambda d: TODAY + timedelta(days=d)))


def subsets(values, **kwargs):
    return st.frozensets(st.sampled_from(values), **kwargs)


@st.composite
def listings(draw, n):
    """Any listing at all."""
    return ProviderListing(
        id=f"p{n}",
        npi=make_npi(f"1{n:08d}"),
        name=f"Provider {n}",
        provider_type=draw(st.sampled_from(PROVIDER_TYPES)),
        licences=draw(licences),
        insurance=draw(subsets(PAYERS)),
        self_pay=draw(st.booleans()),
        modalities=draw(subsets(("telehealth", "in_person"), min_size=1)),
        accepting_new_patients=draw(st.booleans()),
        availability_confirmed_at=draw(
            st.one_of(st.none(), st.integers(0, 40 * 24).map(lambda h: NOW - timedelta(hours=h)))
        ),
        next_available=draw(openings),
        location=draw(st.one_of(st.none(), points)),
        specialties=draw(subsets(SPECIALTIES)),
        treatments=draw(subsets(TREATMENTS)),
        languages=draw(subsets(LANGUAGES)),
    )


requests = st.builds(
    CareRequest,
    state=st.sampled_from(STATES),
    payer=st.sampled_from(("", *PAYERS)),
    self_pay=st.booleans(),
    modality=st.sampled_from(("telehealth", "in_person", "either")),
    max_distance_miles=st.integers(1, 60),
    now=st.just(NOW),
    today=st.just(TODAY),
    location=st.one_of(points, points, points, st.none()),
    provider_types=subsets(PROVIDER_TYPES),
    languages=st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True).map(tuple),
    flags=subsets(FLAGS),
)
REDRAWABLE = (
    "provider_type",
    "licences",
    "insurance",
    "self_pay",
    "modalities",
    "location",
    "accepting_new_patients",
    "availability_confirmed_at",
)


def nearby(point):
    if point is None:
        return points
    jitter = st.floats(-0.15, 0.15)  # up to about 10 miles each way
    return st.tuples(jitter, jitter).map(lambda d: (point[0] + d[0], point[1] + d[1]))


@st.composite
def near_misses(draw, n, request: CareRequest):
    """A listing built to fit ``request``, then often with a few facts redrawn at random
    (random listings alone would seldom give a directory two eligible providers)."""
    fitting = ProviderListing(
        id=f"p{n}",
        npi=make_npi(f"1{n:08d}"),
        name=f"Provider {n}",
        provider_type=draw(st.sampled_from(sorted(request.provider_types) or PROVIDER_TYPES)),
        licences=(Licence(request.state, TODAY + timedelta(days=draw(st.integers(0, 400)))),),
        insurance=frozenset({request.payer} - {""}),
        self_pay=True,
        modalities=frozenset({"telehealth", "in_person"}),
        accepting_new_patients=True,
        availability_confirmed_at=NOW - timedelta(hours=draw(st.integers(0, 30 * 24))),
        next_available=draw(openings),
        location=draw(nearby(request.location)),
        specialties=draw(subsets(SPECIALTIES)),
        treatments=draw(subsets(TREATMENTS)),
        languages=draw(subsets(LANGUAGES)),
    )
    how_many = draw(st.sampled_from((0, 0, 1, 1, 2, 3)))
    redrawn = draw(
        st.lists(st.sampled_from(REDRAWABLE), min_size=how_many, max_size=how_many, unique=True)
    )
    if not redrawn:
        return fitting
    other = draw(listings(n))
    return replace(fitting, **{name: getattr(other, name) for name in redrawn})


@st.composite
def cases(draw, max_size=10):
    """A request and a directory of random listings and near misses for it."""
    request = draw(requests)
    size = draw(st.integers(0, max_size))
    directory = [
        draw(listings(n) if draw(st.integers(0, 3)) == 0 else near_misses(n, request))
        for n in range(size)
    ]
    return directory, request


def obeys_every_hard_constraint(p: ProviderListing, r: CareRequest) -> bool:
    """An independent reading of the contract's constraints (not the code under test)."""
    licensed = any(lic.state == r.state and lic.expires_on >= TODAY for lic in p.licences)
    paid = (r.payer != "" and r.payer in p.insurance) or (
        (r.self_pay or r.payer == "") and p.self_pay
    )
    telehealth = r.modality != "in_person" and "telehealth" in p.modalities
    in_person = (
        r.modality != "telehealth"
        and "in_person" in p.modalities
        and r.location is not None
        and p.location is not None
        and haversine_miles(r.location, p.location) <= r.max_distance_miles
    )
    fresh = (
        p.availability_confirmed_at is not None
        and NOW - p.availability_confirmed_at <= timedelta(days=30)
    )
    wanted_type = not r.provider_types or p.provider_type in r.provider_types
    return (
        licensed
        and p.accepting_new_patients
        and paid
        and (telehealth or in_person)
        and fresh
        and wanted_type
    )


def ids(result):
    return [m.provider.id for m in result.matches]


@settings(max_examples=200)
@given(cases())
def test_no_match_ever_breaks_a_hard_constraint_and_none_is_missed(case):
    directory, request = case
    result = match_providers(directory, request)
    for match in result.matches:
        assert obeys_every_hard_constraint(match.provider, request)
        if "in_person" in match.care_modes:
            assert match.distance_miles <= request.max_distance_miles + 0.05
    expected = {p.id for p in directory if obeys_every_hard_constraint(p, request)}
    assert set(ids(result)) == expected
    assert result.eligible == len(expected)


@given(cases(), st.data())
def test_adding_a_provider_never_reorders_the_others(case, data):
    directory, request = case
    before = ids(match_providers(directory, request))
    newcomer = data.draw(st.one_of(listings(len(directory)), near_misses(len(directory), request)))
    after = ids(match_providers([*directory, newcomer], request))
    assert [i for i in after if i != newcomer.id] == before


@given(cases(), st.data())
def test_adding_an_ineligible_provider_changes_nothing(case, data):
    directory, request = case
    before = match_providers(directory, request)
    newcomer = data.draw(near_misses(len(directory), request))
    if obeys_every_hard_constraint(newcomer, request):
        newcomer = replace(newcomer, accepting_new_patients=False)
    assert match_providers([*directory, newcomer], request) == before


@given(cases(), st.randoms())
def test_input_order_does_not_matter(case, rnd):
    directory, request = case
    shuffled = list(directory)
    rnd.shuffle(shuffled)
    assert match_providers(shuffled, request) == match_providers(directory, request)


@given(cases(), st.integers(0, 10))
def test_a_limit_is_a_prefix_and_scores_never_rise(case, limit):
    directory, request = case
    full = match_providers(directory, request)
    assert match_providers(directory, request, limit=limit).matches == full.matches[:limit]
    scores = [m.score for m in full.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert [m.rank for m in full.matches] == list(range(1, len(scores) + 1))
    assert all(m.reasons for m in full.matches)


@given(cases())
def test_suicide_risk_always_puts_the_urgent_pathway_first(case):
    directory, request = case
    result = match_providers(directory, request)
    assert result.urgent_pathway == ("suicide_risk" in request.flags)
    if result.urgent_pathway:
        assert result.notes[0].startswith("Suicide risk was flagged")


@given(cases())
def test_the_fast_paths_agree_with_the_worded_ones(case):
    directory, request = case
    for provider in directory:
        assert (eligibility(provider, request) is None) == bool(
            unmet_constraints(provider, request)
        )
        assert fit_points(provider, request.flags) == clinical_fit(provider, request.flags).points


def summary(result):
    return [
        (m.provider.id, m.rank, m.score, m.reasons, m.care_modes, m.distance_miles)
        for m in result.matches
    ]
