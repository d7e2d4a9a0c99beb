"""Who sees what in the admin, persona by persona (tests/conftest.py).

* anon: nothing (the login page).
* cora, intake coordinator: intakes she submitted, their status and contact details; no
  cases, answers, scores or flags.
* cleo, clinician: the review queue and every case, every intake's status and contact details.
* dirk, directory manager: none of it (the provider directory only, another app).
* root, superuser: everything, plus the access-by-user report.
"""

import pytest
from django.test import Client
from django.urls import reverse

from intake.models import Intake
from tests.conftest import login, submit
from tests.factories import urgent_payload
from tests.screening.conftest import fresh, patient_fields

QUEUE = "/admin/screening/case/"
INTAKES = "/admin/intake/intake/"
CLINICAL_WORDS = (
    "suicide",
    "Suicide",
    "Possible TRD",
    "PHQ-9",
    "Flags",
    "Nothing was changed",
    "rq-flag",
    "risk level",
    "sertraline",
)


@pytest.fixture
def world(cora):
    """An urgent intake submitted by cora, and one from the web (nobody's)."""
    payload = urgent_payload(item9=2)
    payload["patient"].update(patient_fields(501), phone="+1 212 555 0501")
    mine = submit(payload, by=cora)
    other = urgent_payload(item9=1)
    other["patient"].update(patient_fields(502))
    theirs = submit(other)
    mine, theirs = Intake.objects.get(pk=mine.pk), Intake.objects.get(pk=theirs.pk)  # screened
    return {"mine": mine, "theirs": theirs, "case": mine.case}


def as_persona(request, persona) -> Client:
    client = Client()
    if persona != "anon":
        login(client, request.getfixturevalue(persona))
    return client


def case_page(case):
    return reverse("admin:screening_case_change", args=[case.pk])


def intake_page(intake):
    return reverse("admin:intake_intake_change", args=[intake.pk])


def act(case, action):
    return reverse("admin:screening_case_review", args=[case.pk, action])


@pytest.mark.django_db
class TestReviewQueueAndCases:
    @pytest.mark.parametrize(
        "persona,expected",
        [
            ("anon", 302),
            ("cora", 403),
            ("cleo", 200),
            ("dirk", 403),
            ("root", 200),
        ],
    )
    def test_queue(self, request, world, persona, expected):
        response = as_persona(request, persona).get(QUEUE)
        assert response.status_code == expected
        if persona == "anon":
            assert response["Location"].startswith("/admin/login/")

    @pytest.mark.parametrize(
        "persona,expected",
        [
            ("anon", 302),
            ("cora", 403),
            ("cleo", 200),
            ("dirk", 403),
            ("root", 200),
        ],
    )
    def test_case_page(self, request, world, persona, expected):
        response = as_persona(request, persona).get(case_page(world["case"]))
        assert response.status_code == expected

    @pytest.mark.parametrize(
        "persona,expected",
        [
            ("anon", 302),
            ("cora", 403),
            ("dirk", 403),
        ],
    )
    @pytest.mark.parametrize("action", ["acknowledge", "start_review", "assign_to_me", "note"])
    def test_only_clinicians_act(self, request, world, persona, expected, action):
        client = as_persona(request, persona)
        response = client.post(
            act(world["case"], action), {"expected_status": "new", "text": "hello"}
        )
        assert response.status_code == expected
        case = fresh(world["case"])
        assert case.status == "new" and case.acknowledged_at is None
        assert case.assigned_to is None and not case.notes.exists()

    @pytest.mark.parametrize("persona", ["cleo", "root"])
    def test_clinicians_and_superusers_act(self, request, world, persona):
        client = as_persona(request, persona)
        client.post(act(world["case"], "acknowledge"))
        assert fresh(world["case"]).acknowledged_at is not None

    @pytest.mark.parametrize("persona,expected", [("cora", 403), ("dirk", 403), ("cleo", 302)])
    def test_patient_lookup(self, request, world, persona, expected):
        response = as_persona(request, persona).post(
            reverse("admin:screening_case_search"), {"q": "patient501@example.org"}
        )
        assert response.status_code == expected

    def test_nobody_adds_or_deletes_cases_in_the_admin(self, request, world):
        root = as_persona(request, "root")
        assert root.get("/admin/screening/case/add/").status_code == 403
        assert root.get(f"/admin/screening/case/{world['case'].pk}/delete/").status_code == 403


@pytest.mark.django_db
class TestIntakes:
    @pytest.mark.parametrize(
        "persona,expected",
        [
            ("anon", 302),
            ("cora", 200),
            ("cleo", 200),
            ("dirk", 403),
            ("root", 200),
        ],
    )
    def test_intake_list(self, request, world, persona, expected):
        assert as_persona(request, persona).get(INTAKES).status_code == expected

    def test_coordinator_sees_status_and_contact_details_only(self, request, world):
        cora = as_persona(request, "cora")
        listing = cora.get(INTAKES).content.decode()
        assert "Pat501 Tester" in listing and "patient501@example.org" in listing
        assert "Pat502" not in listing  # not hers: the API's visibility rule
        page = cora.get(intake_page(world["mine"])).content.decode()
        for text in (
            "Pat501 Tester",
            "patient501@example.org",
            "+1 212 555 0501",
            "MRN-T00501",
            world["mine"].get_status_display(),
        ):
            assert text in page, text
        for word in CLINICAL_WORDS:
            assert word not in page and word not in listing, word

    def test_coordinator_cannot_open_someone_elses_intake(self, request, world):
        response = as_persona(request, "cora").get(intake_page(world["theirs"]))
        assert response.status_code == 302  # "does not exist" redirect, nothing shown

    def test_clinician_sees_every_intake(self, request, world):
        listing = as_persona(request, "cleo").get(INTAKES).content.decode()
        assert "Pat501" in listing and "Pat502" in listing

    @pytest.mark.parametrize("persona", ["cora", "cleo", "root"])
    def test_intakes_are_read_only(self, request, world, persona):
        client = as_persona(request, persona)
        assert client.get("/admin/intake/intake/add/").status_code == 403
        response = client.post(intake_page(world["mine"]), {"status": "screened"})
        assert response.status_code in (302, 403)
        assert Intake.objects.get(pk=world["mine"].pk).status == world["mine"].status


@pytest.mark.django_db
class TestAdminIndex:
    @pytest.mark.parametrize(
        "persona,sees,hidden",
        [
            ("cora", ["Intakes"], ["Cases", "Log entries", "Access by user"]),
            ("cleo", ["Intakes", "Cases"], ["Log entries", "Access by user"]),
            ("dirk", [], ["Intakes", "Cases", "Log entries"]),
            ("root", ["Intakes", "Cases", "Log entries", "Access by user"], []),
        ],
    )
    def test_index(self, request, persona, sees, hidden):
        page = as_persona(request, persona).get("/admin/").content.decode()
        for name in sees:
            assert f">{name}<" in page, name
        for name in hidden:
            assert f">{name}<" not in page, name
