"""Patient-facing pages around the wizard: start, resume, saved, crisis support, confirmation.

Anonymous form posts are rate-limited per client address (:func:`limit_anonymous_posts`,
``settings.INTAKE_POST_RATE``, e.g. ``"60/10m"``; the address behind ``settings.NUM_PROXIES``
proxies); a client over the limit gets a friendly 429 page with ``Retry-After``.
"""

import math
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from clinical.rules.safety import crisis_resources_for
from intake import drafts
from intake.extensions import CONFIRMATION_SECTIONS, safety_recorder
from intake.wizard import (
    SAFETY_NEXT_SESSION_KEY,
    resume_link,
    resume_step,
    submitted_intake,
)
from ops.clients import client_address

# Tappable links for the crisis resources of the safety block (keys: clinical.rules.safety).
CRISIS_LINKS = {
    "911": (("Call 911", "tel:911"),),
    "988_call_text": (("Call 988", "tel:988"), ("Text 988", "sms:988")),
    "988_chat": (("Chat at 988lifeline.org", "https://988lifeline.org"),),
    "988_veterans": (("Call 988, then press 1", "tel:988"), ("Text 838255", "sms:838255")),
    "988_spanish": (("Call 988, then press 2", "tel:988"),),
    "988_tty": (("Dial 711, then 988", "tel:711"),),
    "988_asl": (("ASL Now at 988lifeline.org", "https://988lifeline.org"),),
}
RATE_FORMAT = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<amount>\d*)\s*(?P<unit>[smh])\s*$")
RATE_UNITS = {"s": 1, "m": 60, "h": 3600}


def post_rate() -> tuple[int, int]:
    """(posts allowed, window in seconds) from ``settings.INTAKE_POST_RATE``."""
    value = getattr(settings, "INTAKE_POST_RATE", "60/10m")
    match = RATE_FORMAT.match(str(value))
    if not match or int(match["count"]) < 1:
        raise ImproperlyConfigured(
            f"INTAKE_POST_RATE must look like '60/10m' (posts per window), not {value!r}"
        )
    window = int(match["amount"] or 1) * RATE_UNITS[match["unit"]]
    return int(match["count"]), max(window, 1)


def _client_key(request) -> str:
    # The client's address as every per-client limit sees it (``settings.NUM_PROXIES``): behind
    # a proxy, REMOTE_ADDR is the proxy's and every patient would share one limit. An address
    # identifies a person: only a keyed digest of it reaches the cache.
    address = client_address(request) or "unknown"
    return salted_hmac("intake.post-rate", address, algorithm="sha256").hexdigest()[:32]


def seconds_until_allowed(request) -> int:
    """Count this post; 0 when it is allowed, else the seconds until the window ends."""
    limit, window = post_rate()
    now = time.time()
    window_number = int(now // window)
    key = f"intake:post-rate:{_client_key(request)}:{window}:{window_number}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count is None:  # the cache is unreachable (Redis down): fail open, keep the intake
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil((window_number + 1) * window - now))


def limit_anonymous_posts(view):
    """Answer 429 (with Retry-After) to an anonymous client posting too often."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not request.user.is_authenticated:
            retry_after = seconds_until_allowed(request)
            if retry_after:
                response = render(
                    request,
                    "intake/rate_limited.html",
                    {"retry_minutes": max(1, math.ceil(retry_after / 60))},
                    status=429,
                )
                response["Retry-After"] = str(retry_after)
                return response
        return view(request, *args, **kwargs)

    return wrapped


def start(request):
    """The patient's welcome page."""
    try:
        wizard_url = reverse("intake:wizard")
    except NoReverseMatch:
        wizard_url = None
    return render(request, "intake/start.html", {"wizard_url": wizard_url})


@require_GET
def resume(request, token):
    """Open a resume link: restore the draft into this (possibly new) browser session."""
    try:
        draft = drafts.draft_resume(token)
    except drafts.ResumeTokenInvalid:
        return render(request, "intake/resume_unavailable.html", {"reason": "invalid"}, status=404)
    except drafts.DraftAlreadySubmitted:
        return render(
            request, "intake/resume_unavailable.html", {"reason": "submitted"}, status=410
        )
    except drafts.DraftExpired:
        return render(request, "intake/resume_unavailable.html", {"reason": "expired"}, status=410)
    request.session.cycle_key()
    drafts.draft_attach_to_session(request.session, draft)
    return redirect("intake:wizard_step", step=resume_step(draft))


@require_GET
def saved(request):
    """ "Save and continue later": the resume link, prominently, to copy or write down."""
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    return render(
        request,
        "intake/saved.html",
        {
            "resume_url": resume_link(request, draft),
            "resume_expires": draft.expires_at,
            "continue_url": reverse("intake:wizard_step", kwargs={"step": resume_step(draft)}),
        },
    )


def _crisis_context(risk_level: str, resources: list[dict] | None) -> dict:
    resources = resources or [resource.to_dict() for resource in crisis_resources_for(risk_level)]
    return {
        "crisis_resources": [
            {
                **resource,
                "links": CRISIS_LINKS.get(resource.get("key"), ()),
                # "Call 911" as text and as a button says it twice
                "contact_is_link": resource.get("contact")
                in {label for label, _ in CRISIS_LINKS.get(resource.get("key"), ())},
            }
            for resource in resources
        ],
        "high_risk": risk_level == "high",
    }


@require_GET
def crisis(request):
    """After an urgent submission: crisis support first, then what happens next."""
    intake = submitted_intake(request)
    if intake is None:
        return redirect("intake:start")
    safety = intake.safety or {}
    risk_level = safety.get("risk_level") or intake.risk_level
    return render(
        request,
        "intake/crisis.html",
        _crisis_context(risk_level, safety.get("crisis_resources")),
    )


@require_GET
def safety_check(request):
    """The interruption after a risk answer in an unfinished intake (intake.wizard): 911 first
    for high risk, then 988, then a clear way on to where the patient was going."""
    draft = drafts.draft_for_session(request.session)
    if draft is None:
        return redirect("intake:start")
    notice = safety_recorder().current_for_draft(draft)
    if notice is None:
        return redirect("intake:wizard_step", step=resume_step(draft))
    continue_url = request.session.get(SAFETY_NEXT_SESSION_KEY) or reverse(
        "intake:wizard_step", kwargs={"step": resume_step(draft)}
    )
    if not continue_url.startswith("/intake/"):  # only ever set by the wizard; never elsewhere
        continue_url = reverse("intake:wizard_step", kwargs={"step": resume_step(draft)})
    return render(
        request,
        "intake/crisis.html",
        {
            **_crisis_context(notice.risk_level, notice.crisis_resources),
            "unfinished": True,
            "continue_url": continue_url,
        },
    )


@require_GET
def confirmation(request):
    """What happens next after a submission."""
    intake = submitted_intake(request)
    if intake is None:
        return redirect("intake:start")
    sections = [
        {"template": section.template, **section.context()}
        for section in CONFIRMATION_SECTIONS.values()
    ]
    return render(
        request, "intake/confirmation.html", {"urgent": intake.urgent, "sections": sections}
    )
