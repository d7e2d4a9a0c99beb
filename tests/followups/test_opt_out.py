"""Opt-out from the patient's side: the unsubscribe link (GET asks, POST stops) and a STOP
reply to a text through Twilio's inbound webhook, whose X-Twilio-Signature is verified."""

import pytest
import time_machine
from auditlog.models import LogEntry

from followups import links, services
from followups.models import FollowUpPlan
from followups.sms import twilio_signature, valid_twilio_request
from tests.followups.helpers import DAY0, baseline_intake

pytestmark = pytest.mark.django_db

WEBHOOK = "/followups/sms/inbound/"
TOKEN = "test-auth-token"


@pytest.fixture
def plan(cleo):
    intake = baseline_intake(cleo)
    with time_machine.travel(DAY0, tick=False):
        return services.plan_start(
            intake=intake,
            instruments=["phq9"],
            every_days=14,
            occurrences=3,
            channels=["email", "sms"],
            by=cleo,
        )


@pytest.fixture(autouse=True)
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.FOLLOWUPS_BASE_URL = "https://screening.example.org"


def signed_post(client, params, token=TOKEN):
    signature = twilio_signature(token, "https://screening.example.org" + WEBHOOK, params)
    return client.post(WEBHOOK, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_signature_matches_twilios_published_example():
    # The example of Twilio's request-validation documentation and its helper library's tests.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert valid_twilio_request(
        auth_token="12345", url=url, params=params, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert not valid_twilio_request(
        auth_token="12345", url=url, params={**params, "Digits": "1235"}, signature="x"
    )


def test_stop_reply_ends_texts(client, plan):
    response = signed_post(client, {"From": "+12125550100", "Body": " stop ", "To": "+1800"})
    assert response.status_code == 200 and b"<Response>" in response.content
    plan.refresh_from_db()
    assert plan.sms_stopped_at is not None and plan.active_channels == ["email"]
    assert LogEntry.objects.filter(additional_data__event="follow_up_sms_stop").exists()


def test_a_forged_stop_is_refused(client, plan):
    response = signed_post(client, {"From": "+12125550100", "Body": "STOP"}, token="wrong")
    assert response.status_code == 403
    unsigned = client.post(WEBHOOK, {"From": "+12125550100", "Body": "STOP"})
    assert unsigned.status_code == 403
    plan.refresh_from_db()
    assert plan.sms_stopped_at is None


def test_other_replies_change_nothing(client, plan):
    assert signed_post(client, {"From": "+12125550100", "Body": "thanks"}).status_code == 200
    plan.refresh_from_db()
    assert plan.active_channels == ["email", "sms"]


def test_unsubscribe_link(client, plan):
    address = f"/checkin-stop/{links.unsubscribe_token(plan.pk)}/"
    page = client.get(address)  # a mail scanner's prefetch changes nothing
    assert page.status_code == 200 and "Stop the messages" in page.content.decode()
    assert FollowUpPlan.objects.get().status == "active"
    done = client.post(address)
    assert 'data-testid="unsubscribed"' in done.content.decode()
    plan.refresh_from_db()
    assert plan.status == "stopped" and plan.stop_reason == "unsubscribed"
    assert LogEntry.objects.filter(additional_data__event="follow_up_unsubscribed").exists()


def test_a_forged_unsubscribe_link_is_404(client, plan):
    assert client.post(f"/checkin-stop/{plan.pk}/").status_code == 404
    assert FollowUpPlan.objects.get().status == "active"
