"""The provider directory, referrals and support resources.

A ``Provider`` is a directory listing (docs/api.md "Matching and referrals"). What matching
filters on hard is stored so an index can serve it: licences (``License``: state and expiry)
and insurance payers (``ProviderInsurance``) are rows, modalities are two booleans, the
practice ZIP's centroid is two indexed floats. What only ranks (specialties, treatments,
languages) is a JSON list.

A ``Referral`` moves ``draft → sent → accepted | declined → scheduled → completed`` (or
``cancelled`` before it is completed or declined) through the ``@transition`` methods below,
called only by ``referrals.services`` in one transaction with a ``ReferralEvent`` each.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from intake.crypto import EncryptedNoteField
from intake.models import Intake
from ops.dates import day
from ops.text import short_id
from referrals.matching.types import PROVIDER_TYPES


class ProviderType(models.TextChoices):
    PSYCHIATRIST = "psychiatrist"
    PSYCHIATRIC_NP = "psychiatric_np", "Psychiatric nurse practitioner"
    PSYCHOLOGIST = "psychologist"
    THERAPIST = "therapist"


assert tuple(ProviderType.values) == PROVIDER_TYPES  # one vocabulary (referrals.matching.types)


class Provider(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    npi = models.CharField("NPI", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=60, blank=True)
    provider_type = models.CharField(max_length=20, choices=ProviderType.choices)
    specialties = models.JSONField(default=list, blank=True)
    treatments = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    self_pay = models.BooleanField("accepts self-pay", default=False)
    offers_telehealth = models.BooleanField(default=False)
    offers_in_person = models.BooleanField(default=False)
    postal_code = models.CharField("practice ZIP code", max_length=10)
    # The practice ZIP's centroid (intake.geography.zip_centroid), set with postal_code.
    latitude = models.FloatField(null=True, blank=True, editable=False)
    longitude = models.FloatField(null=True, blank=True, editable=False)
    accepting_new_patients = models.BooleanField(default=True)
    next_available = models.DateField(null=True, blank=True)
    availability_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Made by ``manage.py generate_providers`` (demo and benchmarks), never a real listing.
    synthetic = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "npi"]
        indexes = [
            # Matching's prefilter: accepting listings by type and freshness, then location.
            models.Index(
                fields=["provider_type", "availability_confirmed_at"],
                condition=Q(accepting_new_patients=True),
                name="provider_accepting",
            ),
            models.Index(fields=["latitude", "longitude"], name="provider_location"),
            models.Index(fields=["availability_confirmed_at"], name="provider_confirmed"),
        ]

    def __str__(self):
        return f"{self.name} ({self.npi})"

    @property
    def modalities(self) -> list[str]:
        return [
            mode
            for mode, offered in (
                ("telehealth", self.offers_telehealth),
                ("in_person", self.offers_in_person),
            )
            if offered
        ]

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


class License(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="licenses")
    state = models.CharField(max_length=2)
    expires_on = models.DateField(help_text="Valid through this day.")

    class Meta:
        ordering = ["state"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "state"], name="one_license_per_state")
        ]
        indexes = [
            models.Index(fields=["state", "expires_on", "provider"], name="license_state_expiry")
        ]

    def __str__(self):
        return f"{self.state} until {day(self.expires_on)}"


class ProviderInsurance(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="insurance")
    payer = models.CharField(max_length=64, help_text="Lower-case payer slug, e.g. aetna.")

    class Meta:
        ordering = ["payer"]
        verbose_name = "insurance payer"
        constraints = [
            models.UniqueConstraint(fields=["provider", "payer"], name="one_row_per_payer")
        ]
        indexes = [models.Index(fields=["payer", "provider"], name="insurance_payer")]

    def __str__(self):
        return self.payer


class MatchListing(models.Model):
    """What matching reads: one row per accepting provider and state it holds a licence in,
    with the facts matching filters and ranks on copied from ``Provider``, ``License`` and
    ``ProviderInsurance`` (``referrals.listings``, in the transaction of every write).

    Why a copy: a state's candidates in the normalized tables are scattered over the provider
    heap and reached through two joins, so ranking the widest request at 1,000,000 providers
    read ~180,000 rows at random (EXPLAIN ANALYZE in docs/performance.md). Here they are one
    range of one covering index, read in order without touching the table, and specialties
    and treatments are bit masks (``referrals.listings.mask``) rather than JSON. The pure code
    re-checks every match shown against the provider's own rows (``referrals.selectors``).
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=2)
    licence_expires_on = models.DateField()
    npi = models.CharField(max_length=10)
    provider_type = models.CharField(max_length=20)
    payers = models.JSONField(default=list)  # the payer slugs it takes
    self_pay = models.BooleanField()
    offers_telehealth = models.BooleanField()
    offers_in_person = models.BooleanField()
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    next_available = models.DateField(null=True)
    availability_confirmed_at = models.DateTimeField(null=True)
    specialties_mask = models.BigIntegerField()  # bit i: matching.types.SPECIALTIES[i]
    treatments_mask = models.BigIntegerField()  # bit i: matching.types.TREATMENTS[i]
    languages = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "state"], name="one_listing_per_state")
        ]
        indexes = [
            # A state's listings in one range, every column matching reads in the index
            # itself (PostgreSQL: an index-only scan; other databases ignore ``include``).
            models.Index(
                fields=["state"],
                include=[
                    "licence_expires_on",
                    "availability_confirmed_at",
                    "offers_telehealth",
                    "offers_in_person",
                    "self_pay",
                    "payers",
                    "provider_type",
                    "latitude",
                    "longitude",
                    "next_available",
                    "specialties_mask",
                    "treatments_mask",
                    "languages",
                    "npi",
                    "provider",
                ],
                name="listing_state_covering",
            )
        ]

    def __str__(self):
        return f"{self.npi} in {self.state}"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


S = ReferralStatus
CLOSED_STATUSES = (S.DECLINED, S.COMPLETED, S.CANCELLED)


class Referral(ConcurrentTransitionMixin, models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="referrals")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="referrals")
    status = FSMField(default=S.DRAFT, choices=S.choices)
    note = EncryptedNoteField(blank=True)
    # The match as the clinician saw it when referring (score, rank, reasons in words).
    match_score = models.FloatField(null=True, blank=True)
    match_rank = models.PositiveIntegerField(null=True, blank=True)
    match_reasons = models.JSONField(default=list, blank=True)
    first_visit_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Set by the follow-up beat job (referrals.services.flag_overdue_referrals); cleared by
    # the next move.
    follow_up_reason = models.CharField(max_length=200, blank=True)
    follow_up_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "provider"],
                condition=~Q(status__in=["declined", "cancelled"]),
                name="one_open_referral_per_provider",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "status_changed_at"], name="referral_status_age"),
            models.Index(fields=["intake", "-created_at"], name="referral_intake"),
            models.Index(fields=["provider", "status"], name="referral_provider"),
            models.Index(
                fields=["follow_up_flagged_at"],
                condition=Q(follow_up_flagged_at__isnull=False),
                name="referral_follow_up",
            ),
        ]

    def __str__(self):
        return f"Referral {short_id(self.pk)} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def _moved(self):
        self.status_changed_at = timezone.now()
        self.follow_up_reason = ""
        self.follow_up_flagged_at = None

    @transition(field=status, source=S.DRAFT, target=S.SENT)
    def send(self):
        self._moved()

    @transition(field=status, source=S.SENT, target=S.ACCEPTED)
    def accept(self):
        self._moved()

    @transition(field=status, source=S.SENT, target=S.DECLINED)
    def decline(self):
        self._moved()

    @transition(field=status, source=S.ACCEPTED, target=S.SCHEDULED)
    def schedule(self, first_visit_on=None):
        self.first_visit_on = first_visit_on
        self._moved()

    @transition(field=status, source=S.SCHEDULED, target=S.COMPLETED)
    def complete(self):
        self._moved()

    @transition(field=status, source=[S.DRAFT, S.SENT, S.ACCEPTED, S.SCHEDULED], target=S.CANCELLED)
    def cancel(self):
        self._moved()


class ReferralEvent(models.Model):
    """The audit trail of a referral: its creation and every move, written in the same
    transaction as the change itself. ``by`` is empty for the system (beat jobs)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)  # blank: created
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    note = EncryptedNoteField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_order")]

    def __str__(self):
        return f"{self.from_status or 'created'} → {self.to_status}"


class Audience(models.TextChoices):
    PATIENT = "patient"
    CARER = "carer", "Family, friends and carers"
    BOTH = "both", "Patients and carers"


class ResourceFormat(models.TextChoices):
    ONLINE = "online", "Online, phone or chat"
    IN_PERSON = "in_person", "In person"
    BOTH = "both", "Online and in person"


class ResourceKind(models.TextChoices):
    CRISIS_LINE = "crisis_line", "Crisis line"
    PEER_SUPPORT = "peer_support", "Peer support and education"


class SupportResource(models.Model):
    """Peer support groups and crisis lines (docs/clinical-reference.md §5, §6): not treatment."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20, choices=ResourceKind.choices, default=ResourceKind.PEER_SUPPORT
    )
    description = models.TextField()
    led_by = models.CharField(max_length=200, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    format = models.CharField(max_length=10, choices=ResourceFormat.choices)
    url = models.URLField()
    contact = models.CharField(max_length=200, blank=True, help_text="e.g. Call or text 988")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100, help_text="Lower shows first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
