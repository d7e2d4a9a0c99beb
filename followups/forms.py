"""The check-in form: the intake wizard's "How you have been feeling" step, limited to the
plan's questionnaires (same fields, labels, fieldsets, linked errors, and the C-SSRS screen
brought in by an item 9 answer above 0)."""

from django import forms
from django.core.exceptions import ValidationError

from clinical.questionnaires import INSTRUMENTS
from intake.forms import FeelingForm, item_field_name


class CheckInForm(FeelingForm):
    title = "Your check-in"
    intro = "These questions are about the last 2 weeks."

    def __init__(self, *args, instruments: list[str], **kwargs):
        self.instrument_keys = (*instruments, "cssrs_screen")
        self.plan_instruments = tuple(instruments)
        super().__init__(*args, **kwargs)

    def instrument_required(self, key):
        return True  # everything the plan asks (and the safety questions when brought in)

    def instrument_note(self, instrument):
        if instrument.key == "cssrs_screen":
            return super().instrument_note(instrument)
        return ""

    def clean(self):
        cleaned = forms.Form.clean(self)
        for key in self.plan_instruments:
            self.clean_instrument(INSTRUMENTS[key], required=True)
        cssrs = INSTRUMENTS["cssrs_screen"]
        if not self.cssrs_needed:
            self.discard_instrument(cssrs)
            self._discard("cssrs_shown")
        elif self.raw_value("cssrs_shown") != "1":
            self.cssrs_added = True
            self.add_error(
                None,
                ValidationError(
                    "Please answer a few more questions about your safety below.",
                    code="cssrs_added",
                ),
            )
        else:
            self.clean_instrument(cssrs, required=True)
        return cleaned

    def add_rejection(self, errors: dict) -> None:
        """intake's FollowUpRejected errors ({"answers": {instrument: {item: [...]}}}) at their
        fields; anything else on the form."""
        for instrument, items in (errors.get("answers") or {}).items():
            if isinstance(items, dict):
                for item, problems in items.items():
                    name = item_field_name(instrument, item)
                    if name in self.fields:
                        self.add_error(name, list(problems))
                        continue
                    self.add_error(None, list(problems))
            else:
                self.add_error(None, list(items))
        for key, problems in errors.items():
            if key != "answers":
                self.add_error(None, list(problems) if isinstance(problems, list) else problems)
