"""The patient web intake: a django-formtools wizard whose state lives in an ``IntakeDraft``.

:class:`DraftStorage` keeps formtools' state in the patient's draft (encrypted at rest) and only
the draft's id in the session, so answers never reach the session table and a resume link can
restore the wizard in any browser. After the last step the API body is assembled, validated
with ``IntakeSubmissionSerializer`` and stored by ``intake_submit`` in the transaction that
marks the draft submitted. Risk answers on :data:`SAFETY_STEP` are decided when that step is
posted (intake.safety_net), and the patient is interrupted with the crisis page when needed.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.datastructures import MultiValueDict
from formtools.wizard.forms import ManagementForm
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from intake import drafts
from intake.extensions import safety_recorder
from intake.forms import (
    PRIVACY_NOTICE_VERSION,
    AboutYouForm,
    AlcoholDrugsForm,
    BodyForm,
    CarePreferencesForm,
    ConsentForm,
    EatingHabitsWorriesForm,
    FeelingForm,
    InstrumentStepForm,
    IntakeStepForm,
    MoodHistoryForm,
    ReviewForm,
    StressfulExperiencesForm,
    TreatmentHistoryForm,
    submission_from_forms,
)
from intake.models import Intake, IntakeSource
from intake.safety_net import risk_answers
from intake.serializers import IntakeSubmissionSerializer
from intake.services import intake_submit
from ops.api import flatten_errors

STEPS = [
    ("welcome", ConsentForm),
    ("about-you", AboutYouForm),
    ("feeling", FeelingForm),
    ("mood-history", MoodHistoryForm),
    ("alcohol-and-drugs", AlcoholDrugsForm),
    ("eating-habits-worries", EatingHabitsWorriesForm),
    ("stressful-experiences", StressfulExperiencesForm),
    ("body", BodyForm),
    ("treatment-history", TreatmentHistoryForm),
    ("care-preferences", CarePreferencesForm),
    ("review", ReviewForm),
]
STEP_NAMES = tuple(name for name, _ in STEPS)
STEP_TEMPLATES = {
    "welcome": "intake/wizard/welcome.html",
    "about-you": "intake/wizard/fields_step.html",
    "treatment-history": "intake/wizard/treatment_history.html",
    "care-preferences": "intake/wizard/fields_step.html",
    "review": "intake/wizard/review.html",
}
QUESTIONNAIRE_TEMPLATE = "intake/wizard/questionnaire_step.html"
WIZARD_PREFIX = "intake"
DONE_STEP = "done"
SUBMITTED_SESSION_KEY = "intake_submitted_id"
#: The step whose answers carry the safety decision (PHQ-9 item 9, the C-SSRS screen).
SAFETY_STEP = "feeling"
#: Session: the crisis page's pending continuation, and a digest of the risk level seen.
SAFETY_NEXT_SESSION_KEY = "intake_safety_next"
SAFETY_SHOWN_SESSION_KEY = "intake_safety_shown"


def resume_link(request, draft) -> str:
    """The absolute resume URL of a draft; it carries the signed token and nothing else."""
    path = reverse("intake:resume", kwargs={"token": drafts.resume_token(draft)})
    return request.build_absolute_uri(path)


def resume_step(draft) -> str:
    """Where a resumed draft continues: the step shown last, else the first one not done."""
    if draft.current_step in STEP_NAMES:
        return draft.current_step
    for name in STEP_NAMES:
        if name not in (draft.data or {}):
            return name
    return STEP_NAMES[-1]


def submitted_intake(request) -> Intake | None:
    """The intake this browser session submitted last, if any."""
    raw = request.session.get(SUBMITTED_SESSION_KEY)
    if not raw:
        return None
    try:
        return Intake.objects.filter(pk=raw).first()
    except (ValueError, TypeError):
        return None


class DraftStorage(BaseStorage):
    """formtools storage kept in the session's ``IntakeDraft``; saved once per request.

    The draft is created when the first step is completed (nothing is stored before consent).
    """

    def __init__(self, prefix, request=None, file_storage=None):
        super().__init__(prefix, request, file_storage)
        self.draft = drafts.draft_for_session(request.session)
        self.init_data()
        if self.draft is not None:
            self.data[self.step_key] = self.draft.current_step or None
            self.data[self.step_data_key] = dict(self.draft.data or {})
        self._mark_saved()

    def _mark_saved(self) -> None:
        self._saved_step = self.data[self.step_key]
        self._saved_steps = json.loads(json.dumps(self.data[self.step_data_key]))

    def reset(self):
        super().reset()
        self.draft = None
        drafts.draft_detach_from_session(self.request.session)
        self._mark_saved()

    def update_response(self, response):
        super().update_response(response)
        self.save()

    def save(self) -> None:
        """Write the steps completed in this request (and the step shown) to the draft."""
        steps = self.data[self.step_data_key]
        changed = {
            step: values for step, values in steps.items() if self._saved_steps.get(step) != values
        }
        if not changed and self.data[self.step_key] == self._saved_step:
            return
        if self.draft is None:
            if not changed:
                return  # nothing is stored before the first step is completed
            self.draft = drafts.draft_start()
            drafts.draft_attach_to_session(self.request.session, self.draft)
        drafts.draft_save_steps(
            draft=self.draft, steps=changed, current_step=self.data[self.step_key]
        )
        self._mark_saved()


class IntakeWizard(NamedUrlWizardView):
    storage_name = "intake.wizard.DraftStorage"
    form_list = STEPS

    def get_prefix(self, request, *args, **kwargs):
        return WIZARD_PREFIX

    def get_template_names(self):
        return [STEP_TEMPLATES.get(self.steps.current, QUESTIONNAIRE_TEMPLATE)]

    def get_form_kwargs(self, step=None):
        form_class = self.form_list[step]
        if issubclass(form_class, InstrumentStepForm):
            return {"sex_at_birth": self.sex_at_birth()}
        return {}

    def sex_at_birth(self) -> str | None:
        about_you = self.get_cleaned_data_for_step("about-you")
        return about_you.get("sex_at_birth") if about_you else None

    def get_form_step_data(self, form):
        """Only this step's own fields, minus answers to questions that were skipped."""
        keep = {form.add_prefix(name) for name in form.fields if name not in form.discarded_fields}
        return {key: form.data.getlist(key) for key in form.data if key in keep}

    # --- GET ------------------------------------------------------------------------------

    def first_incomplete_step(self) -> str | None:
        stored = self.storage.data[self.storage.step_data_key]
        return next((step for step in STEP_NAMES if step not in stored), None)

    def _ahead_of_progress(self, step: str) -> str | None:
        """The step to go to instead when ``step`` skips steps not yet completed."""
        first_incomplete = self.first_incomplete_step()
        if first_incomplete is None or step not in STEP_NAMES:
            return None
        if STEP_NAMES.index(step) > STEP_NAMES.index(first_incomplete):
            return first_incomplete
        return None

    def get(self, *args, **kwargs):
        step = kwargs.get("step")
        if step == self.done_step_name:
            return redirect(self.get_step_url(self.steps.current))
        if step is not None and (earlier := self._ahead_of_progress(step)):
            self.storage.current_step = earlier
            return redirect(self.get_step_url(earlier))
        return super().get(*args, **kwargs)

    # --- POST -----------------------------------------------------------------------------

    def _posted_step(self) -> str:
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        if not management.is_valid():
            raise SuspiciousOperation("ManagementForm data is missing or has been tampered.")
        step = management.cleaned_data["current_step"]
        if step not in self.get_form_list():
            raise SuspiciousOperation("Unknown wizard step.")
        return step

    def post(self, *args, **kwargs):
        step = self._posted_step()
        notice = self._decide_safety() if step == SAFETY_STEP else None
        response = self._post(step, args, kwargs)
        if notice is not None and response.status_code == 302 and self._interrupt(notice):
            self.request.session[SAFETY_NEXT_SESSION_KEY] = response.url
            return redirect("intake:safety_check")
        return response

    def _decide_safety(self):
        """The safety decision on the posted risk answers (those valid on their own)."""
        form = self.get_form(step=SAFETY_STEP, data=self.request.POST)
        form.is_valid()  # fills form.answers with each questionnaire that validates
        answers = risk_answers(form.answers)
        if not answers:
            return None
        if self.storage.draft is None:
            return None  # no consent yet (a post that skipped steps): nothing is stored
        return safety_recorder().record_draft(self.storage.draft, answers)

    def _interrupt(self, notice) -> bool:
        """Show the crisis page now? Once per risk level (a higher one shows it again)."""
        # A digest: the session table never holds an answer, nor a risk level derived from one.
        seen = salted_hmac(
            "intake.safety-shown", f"{notice.event_id}:{notice.risk_level}", algorithm="sha256"
        ).hexdigest()
        if not notice.raised and self.request.session.get(SAFETY_SHOWN_SESSION_KEY) == seen:
            return False
        self.request.session[SAFETY_SHOWN_SESSION_KEY] = seen
        return True

    def _post(self, step, args, kwargs):
        post = self.request.POST
        if self.storage.draft is None and step == STEP_NAMES[-1]:
            already = submitted_intake(self.request)
            if already is not None:  # a second click on "Submit" after the first went through
                return redirect(_after_submit_url(already))
        if earlier := self._ahead_of_progress(step):
            self.storage.current_step = earlier
            return redirect(self.get_step_url(earlier))
        self.storage.current_step = step
        goto = post.get("wizard_goto_step")
        if "save_for_later" in post:
            self._keep_current_step_if_valid()
            return redirect("intake:saved")
        if goto and goto in self.get_form_list():
            self._keep_current_step_if_valid()
            return self.render_goto_step(goto)
        if post.get("row_action") and hasattr(self.form_list[step], "data_with_row_change"):
            return self.render_row_change(post["row_action"])
        if "skip_step" in post and getattr(self.form_list[step], "optional_step", False):
            form = self.get_form(data=MultiValueDict())
            if form.is_valid():
                self.storage.set_step_data(step, self.process_step(form))
                return self.render_next_step(form)
        return super().post(*args, **kwargs)

    def _keep_current_step_if_valid(self) -> None:
        form = self.get_form(data=self.request.POST)
        if form.is_valid():
            self.storage.set_step_data(self.steps.current, self.process_step(form))

    def render_row_change(self, action: str):
        step = self.steps.current
        form_class = self.get_form_list()[step]
        prefix = self.get_form_prefix(step, form_class)
        values = form_class.data_with_row_change(self.request.POST, prefix, action)
        bound = self.get_form(step=step, data=MultiValueDict(values))
        initial = {
            name: bound[name].data for name in bound.fields if bound[name].data not in (None, "")
        }
        form = form_class(prefix=prefix, initial=initial, **self.get_form_kwargs(step))
        focus = None
        kind, _, group = action.partition(":")
        group = group.split(":")[0]
        if group in form.row_groups:
            if kind == "add":  # keyboard focus lands in the new row
                form.fields[form.rows(group)[-1].fields[0].name].widget.attrs["autofocus"] = True
            else:
                focus = f"add-{group}"
        return self.render(form, focus_id=focus)

    # --- done -----------------------------------------------------------------------------

    def render_done(self, form, **kwargs):
        final_forms = OrderedDict()
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not step_form.is_valid():
                return self.render_revalidation_failure(step, step_form, **kwargs)
            final_forms[step] = step_form
        return self.done(list(final_forms.values()), form_dict=final_forms, **kwargs)

    def done(self, form_list, form_dict=None, **kwargs):
        body = submission_from_forms(form_dict.values())
        serializer = IntakeSubmissionSerializer(data=body)
        if not serializer.is_valid():
            return self.render_submission_errors(form_dict, serializer.errors)
        with transaction.atomic():
            draft = self.storage.draft
            if draft is not None:
                draft = drafts.draft_lock(draft)
            if draft is not None and draft.submitted_intake_id is not None:
                intake = draft.submitted_intake
            else:
                intake = intake_submit(
                    data=serializer.validated_data, source=IntakeSource.WEB, draft=draft
                ).intake
                if draft is not None:
                    drafts.draft_mark_submitted(draft=draft, intake=intake)
        self.storage.reset()
        self.request.session[SUBMITTED_SESSION_KEY] = str(intake.pk)
        return redirect(_after_submit_url(intake))

    def render_submission_errors(self, form_dict, errors):
        """Show the body's validation errors on the first step they belong to."""
        by_step: dict[str, list] = {}
        for path, message in flatten_errors(errors):
            owner = next(
                (step for step, form in form_dict.items() if form.claims_error(path)),
                STEP_NAMES[-1],
            )
            by_step.setdefault(owner, []).append((path, message))
        step = next(step for step in form_dict if step in by_step)
        form: IntakeStepForm = form_dict[step]
        if step == STEP_NAMES[-1]:
            for _path, message in by_step[step]:
                form.add_error(None, f"We could not accept your answers: {message}")
        else:
            form.add_body_errors(by_step[step])
        self.storage.current_step = step
        return self.render(form)

    # --- context --------------------------------------------------------------------------

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        draft = self.storage.draft
        context.update(
            step_name=step,
            step_title=form.title,
            step_number=self.steps.step1,
            step_count=self.steps.count,
            step_url=self.get_step_url(step),
            show_errors=form.has_real_errors(),
            focus_id=kwargs.get("focus_id"),
            resume_url=(
                resume_link(self.request, draft) if draft is not None and self.steps.index else None
            ),
            resume_expires=draft.expires_at if draft is not None else None,
            privacy_notice_version=PRIVACY_NOTICE_VERSION,
        )
        if step == STEP_NAMES[-1]:
            context["review"] = self.review_context()
        return context

    def review_context(self) -> list[dict]:
        review = []
        for step, form_class in self.get_form_list().items():
            if step == STEP_NAMES[-1]:
                continue
            form = self.get_form(step=step, data=self.storage.get_step_data(step))
            review.append(
                {
                    "step": step,
                    "title": form_class.title,
                    "url": self.get_step_url(step),
                    "sections": form.review_sections() if form.is_valid() else None,
                }
            )
        return review


def _after_submit_url(intake: Intake) -> str:
    return reverse("intake:crisis" if intake.urgent else "intake:confirmation")
