"""Signals the intake app sends; other apps (screening) subscribe.

``intake_submitted`` is sent inside the submission's transaction, after every row of the intake
is written, so a receiver's writes (the urgent suicide-risk flag and its case) commit or roll
back with the intake itself. This keeps dependencies one way (screening -> intake).
"""

from django.dispatch import Signal

# kwargs: intake (the saved Intake)
intake_submitted = Signal()
