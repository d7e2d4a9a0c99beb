"""The patient fields that identify a person (no Django imports: settings read this too).

One list for every rule that must treat them alike: the audit log masks them
(``AUDITLOG_INCLUDE_TRACKING_MODELS`` in config/settings.py) and erasure blanks them
(``intake.privacy.patient_erase``). A new identifying field on ``Patient`` goes here.
"""

PATIENT_IDENTIFYING_FIELDS = (
    "external_id",
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phone",
    "postal_code",
)
