"""Fuzzing wizard posts: random strings and values in a step's fields never give a 500, never
store an intake or a patient, and a step is stored only when what is stored is valid."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.models import Intake, IntakeDraft, Patient
from intake.wizard import STEPS
from tests.intake.conftest import complete_steps, form_data, step_url, valid_answers

pytestmark = pytest.mark.django_db

FORMS = dict(STEPS)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
ODD_VALUES = st.sampled_from(
    [
        "",
        "0",
        "1",
        "2",
        "3",
        "-1",
        "7",
        "1e9",
        "NaN",
        "Infinity",
        "0.0001",
        "999999999999",
        "true",
        "false",
        "on",
        "ect",
        "sertraline",
        "Zoloft",
        "2026-02-30",
        "1900-01-01",
        "NY",
        "ny",
        "10027",
        "99999",
        "x" * 300,
        "\x00",
        "<script>",
        "add:medication",
        "remove:medication:0",
        "remove:therapy:9",
        "welcome",
        "review",
    ]
)
VALUE = st.one_of(TEXT, ODD_VALUES)


def field_names(step: str) -> list[str]:
    """The step's field names, including a few rows of the repeatable groups."""
    form = FORMS[step](
        prefix=step,
        initial={"medication_rows": 3, "therapy_rows": 2, "neuromodulation_rows": 2},
    )
    return sorted(form.fields)


def answers_strategy(step: str):
    names = field_names(step)
    keys = st.one_of(st.sampled_from(names), TEXT)
    values = st.one_of(VALUE, st.lists(VALUE, max_size=3))
    return st.dictionaries(keys, values, max_size=len(names) + 3)


BUTTONS = st.dictionaries(
    st.sampled_from(["row_action", "skip_step", "wizard_goto_step", "save_for_later"]),
    VALUE,
    max_size=2,
)


def client_at(step: str) -> Client:
    client = Client()
    complete_steps(client, until=step)
    return client


def assert_nothing_half_saved(client: Client, step: str) -> None:
    assert Intake.objects.count() == 0
    assert Patient.objects.count() == 0
    draft_id = client.session.get("intake_draft_id")
    if draft_id is None:
        return
    stored = IntakeDraft.objects.get(pk=draft_id).data.get(step)
    if stored is None:
        return
    from django.utils.datastructures import MultiValueDict

    kwargs = {"sex_at_birth": "female"} if hasattr(FORMS[step], "instrument_keys") else {}
    form = FORMS[step](data=MultiValueDict(stored), prefix=step, **kwargs)
    assert form.is_valid(), form.errors  # only valid answers are ever stored
    assert all(key.startswith(f"{step}-") for key in stored)


def fuzz_step(step: str):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(answers=answers_strategy(step), buttons=BUTTONS)
    def run(client, answers, buttons):
        response = client.post(step_url(step), form_data(step, answers, **buttons))
        assert response.status_code in {200, 302, 400}, response.status_code
        assert_nothing_half_saved(client, step)

    return run


@pytest.fixture(autouse=True)
def generous_post_rate(settings):
    settings.INTAKE_POST_RATE = "1000000/1m"


@pytest.mark.parametrize("step", ["about-you", "feeling", "treatment-history"])
def test_random_posts_to_a_step_never_fail_or_half_save(step):
    client = client_at(step)
    fuzz_step(step)(client)


def test_random_posts_to_two_steps_in_turn_never_fail_or_half_save():
    client = client_at("eating-habits-worries")

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        first=answers_strategy("eating-habits-worries"),
        second=answers_strategy("stressful-experiences"),
        buttons=BUTTONS,
    )
    def run(first, second, buttons):
        for step, answers in (("eating-habits-worries", first), ("stressful-experiences", second)):
            response = client.post(step_url(step), form_data(step, answers, **buttons))
            assert response.status_code in {200, 302, 400}
            assert_nothing_half_saved(client, step)

    run()


def test_a_fuzzed_session_can_still_finish_normally():
    client = client_at("treatment-history")
    client.post(
        step_url("treatment-history"),
        form_data("treatment-history", {"med_name_0": "\x00", "medication_rows": "1e9"}),
    )
    complete_steps(client, until=None, overrides={"review": valid_answers("review")})
    assert Intake.objects.count() == 1
