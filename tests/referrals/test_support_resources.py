"""Support resources: seeded by a data migration, GET /api/v1/support-resources/, and
``support_resources_for`` for the patient's confirmation page."""

import pytest

from referrals.models import SupportResource
from referrals.selectors import support_resources_for

URL = "/api/v1/support-resources/"
SECTION_6 = {
    "NAMI Connection Recovery Support Group",
    "NAMI Family Support Group",
    "DBSA support groups",
    "DBSA Friends & Family groups",
    "Depressed Anonymous (and Dep-Anon for families)",
    "Emotions Anonymous (EA)",
    "Mental Health America (MHA)",
    "Anxiety and Depression Association of America (ADAA) online community",
}


@pytest.mark.django_db
def test_the_migration_seeds_section_6_and_988():
    names = set(SupportResource.objects.values_list("name", flat=True))
    assert names == SECTION_6 | {"988 Suicide & Crisis Lifeline"}
    lifeline = SupportResource.objects.get(slug="988-lifeline")
    assert lifeline.kind == "crisis_line"
    assert lifeline.contact == "Call or text 988, or chat at 988lifeline.org"
    assert "911" in lifeline.description
    assert "press 3" not in lifeline.description.lower()  # ended 17 July 2025 (§5)


@pytest.mark.django_db
class TestAudience:
    def test_patients_get_theirs_and_shared_ones_crisis_line_first(self):
        resources = support_resources_for("patient")
        assert resources[0].slug == "988-lifeline"
        assert {r.audience for r in resources} == {"patient", "both"}
        assert "NAMI Family Support Group" not in {r.name for r in resources}

    def test_carers_get_theirs_and_shared_ones(self):
        names = {r.name for r in support_resources_for("carer")}
        assert {"NAMI Family Support Group", "DBSA Friends & Family groups"} <= names
        assert "NAMI Connection Recovery Support Group" not in names

    def test_both_is_everything_active(self):
        SupportResource.objects.filter(slug="emotions-anonymous").update(active=False)
        assert len(support_resources_for("both")) == 8

    def test_an_unknown_audience_is_an_error(self):
        with pytest.raises(ValueError, match="patient, carer or both"):
            support_resources_for("doctor")


@pytest.mark.django_db
class TestApi:
    @pytest.mark.parametrize(
        ("persona_api", "status"),
        [("anon", 401), ("cora", 200), ("cleo", 200), ("dirk", 200)],
        indirect=["persona_api"],
    )
    def test_any_authenticated_caller(self, persona_api, status):
        assert persona_api.get(URL).status_code == status

    def test_shape(self, cora_api):
        (lifeline, *_) = cora_api.get(URL).json()
        assert lifeline == {
            "slug": "988-lifeline",
            "name": "988 Suicide & Crisis Lifeline",
            "kind": "crisis_line",
            "description": lifeline["description"],
            "led_by": lifeline["led_by"],
            "audience": "both",
            "format": "online",
            "url": "https://988lifeline.org/",
            "contact": "Call or text 988, or chat at 988lifeline.org",
        }

    def test_audience_filter(self, cora_api):
        carers = cora_api.get(f"{URL}?audience=carer").json()
        assert {r["audience"] for r in carers} == {"carer", "both"}
        assert cora_api.get(f"{URL}?audience=dog").json() == {
            "audience": ["Use patient, carer or both."]
        }

    def test_edits_in_the_admin_show_up(self, cora_api, dirk, client):
        client.force_login(dirk)
        resource = SupportResource.objects.get(slug="adaa-online-community")
        page = client.get(f"/admin/referrals/supportresource/{resource.pk}/change/")
        assert page.status_code == 200
        form = page.context["adminform"].form
        data = {**form.initial, "name": "ADAA community", "active": "on"}
        response = client.post(f"/admin/referrals/supportresource/{resource.pk}/change/", data)
        assert response.status_code == 302
        assert "ADAA community" in {r["name"] for r in cora_api.get(URL).json()}


def test_the_snippet_renders_for_the_confirmation_page(db):
    from django.template.loader import render_to_string

    html = render_to_string(
        "referrals/_support_resources.html", {"resources": support_resources_for("patient")}
    )
    assert "988 Suicide &amp; Crisis Lifeline" in html
    assert "Call or text 988" in html
    assert 'rel="noopener noreferrer"' in html
