"""The staff 403 page (ops.forbidden): it names the role that can use the page."""

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.screening.conftest import new_case

QUEUE = "/admin/screening/case/"


@pytest.mark.django_db
class TestForbiddenPage:
    def test_a_coordinator_is_told_the_case_page_is_for_clinicians(self, client, cora):
        case = new_case()
        login(client, cora)
        response = client.get(reverse("admin:screening_case_change", args=[case.pk]))
        assert response.status_code == 403
        page = response.content.decode()
        assert 'data-testid="forbidden"' in page
        assert (
            "Only staff with the <strong>clinician</strong> or <strong>clinical lead</strong> "
            "role can see cases."
        ) in page
        assert "You are signed in as cora." in page
        assert "403 Forbidden" not in page

    def test_a_directory_manager_on_the_intake_list(self, client, dirk):
        login(client, dirk)
        response = client.get("/admin/intake/intake/")
        assert response.status_code == 403
        assert (
            "Only staff with the <strong>intake coordinator</strong>, "
            "<strong>clinician</strong> or <strong>clinical lead</strong> role can see intakes."
        ) in response.content.decode()

    def test_a_page_no_role_may_use(self, client, root):
        login(client, root)
        response = client.get(f"{QUEUE}add/")
        assert response.status_code == 403
        assert "No staff role can add cases here" in response.content.decode()


def test_refused_before_authentication_still_renders(rf):
    from ops.forbidden import permission_denied

    response = permission_denied(rf.get("/somewhere/"))
    assert response.status_code == 403
    assert "Your account does not have the role this page needs." in response.content.decode()
