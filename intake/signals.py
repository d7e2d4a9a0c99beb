"""Signals the intake app sends; other apps (screening) subscribe.

``intake_submitted`` is sent inside the submission's transaction, after every row of the intake
is written, so a receiver's writes (the urgent suicide-risk flag and its case) commit or roll
back with the intake itself. This keeps dependencies one way (screening -> intake).
"""

from django.dispatch import Signal

# kwargs: intake (the saved Intake); draft (the IntakeDraft submitted, or None); patient_key
# (intake.safety_net.patient_match_key of the caller and patient, "" without one): a safety
# event recorded earlier for the draft, or for a rejected submission with that key, is joined.
intake_submitted = Signal()
