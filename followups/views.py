"""Patient-facing pages: the check-in (``/checkin/<token>/``), its result, the unsubscribe
link, and the SMS provider's inbound webhook (STOP).

The token is an opaque signed occurrence id (followups.links). Nothing about the patient is
shown before they answer; afterwards only the session that answered sees their own scores
over time (never a diagnosis). Every page carries the crisis line (base.html), and a closed
link shows the 988 resources in full.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from followups import links, services, sms
from followups.forms import CheckInForm
from followups.models import Occurrence, OccurrenceState
from followups.selectors import score_history
from intake.services import FollowUpRejected
from intake.views import _crisis_context, limit_anonymous_posts

DONE_SESSION_KEY = "followups_completed"
#: Replies that opt out of texts (the carriers' standard keywords).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}


def _occurrence(token: str) -> Occurrence | None:
    occurrence_id = links.read_token(token, salt=links.CHECKIN_SALT)
    if occurrence_id is None:
        return None
    return Occurrence.objects.select_related("plan__intake").filter(pk=occurrence_id).first()


def _closed(request, status=410):
    return render(request, "followups/closed.html", _crisis_context("none", None), status=status)


@limit_anonymous_posts
def checkin(request, token):
    occurrence = _occurrence(token)
    if occurrence is None:
        return _closed(request, status=404)
    if occurrence.state == OccurrenceState.COMPLETED:
        return redirect("followups:checkin_done", token=token)
    if not services.checkin_usable(occurrence):
        return _closed(request)
    instruments = list(occurrence.plan.instruments)
    if request.method == "POST":
        form = CheckInForm(request.POST, instruments=instruments)
        if form.is_valid():
            try:
                services.checkin_submit(occurrence_id=occurrence.pk, answers=dict(form.answers))
            except services.CheckInClosed:  # answered meanwhile (a double tap), or closed
                occurrence.refresh_from_db()
                if occurrence.state == OccurrenceState.COMPLETED:
                    return redirect("followups:checkin_done", token=token)
                return _closed(request)
            except FollowUpRejected as exc:
                form.add_rejection(exc.errors)
            else:
                request.session[DONE_SESSION_KEY] = str(occurrence.pk)
                return redirect("followups:checkin_done", token=token)
    else:
        form = CheckInForm(instruments=instruments)
    return render(
        request,
        "followups/checkin.html",
        {
            "form": form,
            "show_errors": form.has_real_errors(),
            "step_title": form.title,
            "action": reverse("followups:checkin", args=[token]),
        },
    )


def _chart(rows: list[dict], key: str) -> dict | None:
    points = [(i, row[key]) for i, row in enumerate(rows) if row[key] is not None]
    if not points:
        return None
    top = 27 if key == "phq9" else 21
    width, height, pad = 320, 160, 20
    step = (width - 2 * pad) / max(len(rows) - 1, 1)
    coords = [
        (round(pad + i * step, 1), round(pad + (height - 2 * pad) * (1 - value / top), 1))
        for i, value in points
    ]
    return {
        "key": key,
        "name": "PHQ-9 (mood)" if key == "phq9" else "GAD-7 (worry)",
        "top": top,
        "width": width,
        "height": height,
        "polyline": " ".join(f"{x},{y}" for x, y in coords),
        "dots": [
            {"x": x, "y": y, "value": points[n][1], "date": rows[points[n][0]]["date"]}
            for n, (x, y) in enumerate(coords)
        ],
    }


def checkin_done(request, token):
    occurrence = _occurrence(token)
    if occurrence is None or occurrence.state != OccurrenceState.COMPLETED:
        return _closed(request, status=404)
    if request.session.get(DONE_SESSION_KEY) != str(occurrence.pk):
        return render(request, "followups/already_done.html", _crisis_context("none", None))
    follow_up = occurrence.follow_up
    safety = follow_up.safety or {}
    rows = score_history(occurrence)
    context = {
        "rows": rows,
        "charts": [c for c in (_chart(rows, "phq9"), _chart(rows, "gad7")) if c],
        "urgent": follow_up.urgent,
    }
    if follow_up.urgent:
        context.update(_crisis_context(follow_up.risk_level, safety.get("crisis_resources")))
    return render(request, "followups/done.html", context)


def unsubscribe(request, token):
    """GET asks (a mail scanner's prefetch changes nothing); POST unsubscribes."""
    plan_id = links.read_token(token, salt=links.UNSUBSCRIBE_SALT)
    if plan_id is None:
        return _closed(request, status=404)
    done = False
    if request.method == "POST":
        services.unsubscribe(plan_id=plan_id)
        done = True
    return render(
        request,
        "followups/unsubscribe.html",
        {"done": done, "action": reverse("followups:unsubscribe", args=[token])},
    )


def _webhook_url(request) -> str:
    """The URL Twilio signed: the public one (settings.FOLLOWUPS_BASE_URL) with this path."""
    return links.absolute(request.get_full_path())


@csrf_exempt
@require_POST
def sms_inbound(request):
    """Twilio's inbound-message webhook: verified by X-Twilio-Signature; STOP ends texts."""
    params = {key: request.POST.get(key) for key in request.POST}
    if not sms.valid_twilio_request(
        auth_token=getattr(settings, "TWILIO_AUTH_TOKEN", ""),
        url=_webhook_url(request),
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        return HttpResponseForbidden("Invalid signature.")
    word = (params.get("Body") or "").strip().upper()
    if word in STOP_WORDS:
        services.sms_stop(phone=params.get("From") or "")
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
        content_type="text/xml",
    )
