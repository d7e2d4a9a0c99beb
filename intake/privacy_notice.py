"""The privacy notice versions this service has published: the one place they are listed.

The web intake shows the current notice and records its version with the patient's consent; a
partner submitting over the API (``consent.privacy_notice_version``, or the FHIR Consent's
``policy.uri``) must name a version that was published, or the submission is a 400. When the
notice changes, append its new version here: earlier versions stay valid for consents given
under them.
"""

#: Oldest first; the last is the notice the web intake shows now.
PUBLISHED_VERSIONS = ("2026-01",)
CURRENT_VERSION = PUBLISHED_VERSIONS[-1]
