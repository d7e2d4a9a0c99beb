"""The provider directory and support resources in the admin (directory managers).

Providers: listings with their licences and payers inline; a "freshness" filter and column show
the stale ones (availability unconfirmed for 30+ days, or a licence expired), which matching
leaves out until renewed; an action confirms availability today.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from intake.geography import zip_record
from ops.labels import label
from ops.text import words
from referrals import selectors, services
from referrals.listings import refreshed_after
from referrals.matching.constraints import availability_is_fresh
from referrals.matching.types import MODALITIES, SPECIALTIES, TREATMENTS
from referrals.models import License, Provider, ProviderInsurance, SupportResource
from referrals.npi import npi_problem


class FreshnessFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [
            ("attention", "Needs re-confirming (stale or licence expired)"),
            ("stale", "Availability stale (30+ days)"),
            ("expired", "A licence expired"),
            ("fresh", "Fresh"),
        ]

    def queryset(self, request, queryset):
        stale, expired = selectors.stale_q(), selectors.expired_license_q()
        return {
            "attention": lambda: queryset.filter(stale | expired),
            "stale": lambda: queryset.filter(stale),
            "expired": lambda: queryset.filter(expired),
            "fresh": lambda: queryset.exclude(stale),
        }.get(self.value(), lambda: queryset)()


class LicensedStateFilter(admin.SimpleListFilter):
    title = "licensed in"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        states = License.objects.order_by("state").values_list("state", flat=True).distinct()
        return [(s, s) for s in states]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(licenses__state=self.value())
        return queryset


class _DirectoryInline(admin.TabularInline):
    """Licences and payers are part of the listing: the provider's permissions govern them."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("referrals.view_provider")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("referrals.change_provider")

    has_change_permission = has_add_permission

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("referrals.change_provider")


class LicenseInline(_DirectoryInline):
    model = License


class ProviderInsuranceInline(_DirectoryInline):
    model = ProviderInsurance


def _choices(values):
    return [(v, words(v)) for v in values]


class ProviderForm(forms.ModelForm):
    """Lists as checkboxes; languages as comma-separated codes."""

    specialties = forms.MultipleChoiceField(
        choices=_choices(SPECIALTIES), required=False, widget=forms.CheckboxSelectMultiple
    )
    treatments = forms.MultipleChoiceField(
        choices=_choices(TREATMENTS), required=False, widget=forms.CheckboxSelectMultiple
    )
    modalities = forms.MultipleChoiceField(
        choices=[(v, label("modality", v)) for v in MODALITIES],
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(required=False, help_text="Codes, comma-separated: en, es")

    class Meta:
        model = Provider
        fields = [
            "npi",
            "name",
            "credentials",
            "provider_type",
            "specialties",
            "treatments",
            "self_pay",
            "modalities",
            "languages",
            "postal_code",
            "accepting_new_patients",
            "next_available",
            "availability_confirmed_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["modalities"] = self.instance.modalities
            self.initial["languages"] = ", ".join(self.instance.languages)

    def clean_npi(self):
        problem = npi_problem(self.cleaned_data["npi"])
        if problem:
            raise forms.ValidationError(problem)
        return self.cleaned_data["npi"]

    def clean_postal_code(self):
        if zip_record(self.cleaned_data["postal_code"]) is None:
            raise forms.ValidationError("Unknown ZIP code.")
        return self.cleaned_data["postal_code"]

    def clean_languages(self):
        codes = [c.strip().lower() for c in self.cleaned_data["languages"].split(",")]
        return list(dict.fromkeys(c for c in codes if c))

    def save(self, commit=True):
        """Through the directory's service, as the API and the import write (coordinates from
        the ZIP, the modality flags, matching's rows); ``commit=False`` writes nothing."""
        provider = super().save(commit=False)
        if commit:
            data = {field: self.cleaned_data[field] for field in ProviderForm.Meta.fields}
            if provider._state.adding:
                services.provider_create(data=data, provider=provider)
            else:
                services.provider_update(provider=provider, data=data)
            self._save_m2m()
        return provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    inlines = [LicenseInline, ProviderInsuranceInline]
    list_display = (
        "name",
        "npi",
        "provider_type",
        "states",
        "accepting_new_patients",
        "next_available",
        "availability_confirmed_at",
        "freshness",
    )
    list_filter = (
        FreshnessFilter,
        LicensedStateFilter,
        "provider_type",
        "accepting_new_patients",
        "offers_telehealth",
        "offers_in_person",
        "synthetic",
    )
    search_fields = ("npi", "name")
    search_help_text = "NPI or name."
    ordering = ("name", "npi")
    list_per_page = 50
    show_full_result_count = False
    actions = ["confirm_availability_today"]
    readonly_fields = ("latitude", "longitude", "synthetic", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("npi", "name", "credentials", "provider_type")}),
        ("Care", {"fields": ("specialties", "treatments", "modalities", "languages")}),
        ("Practice", {"fields": ("postal_code", "latitude", "longitude", "self_pay")}),
        (
            "Availability",
            {"fields": ("accepting_new_patients", "next_available", "availability_confirmed_at")},
        ),
        ("Record", {"fields": ("synthetic", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("licenses")

    def save_model(self, request, obj, form, change):
        form.save()  # through referrals.services (ProviderForm.save)

    def save_related(self, request, form, formsets, change):
        # The inlines are saved row by row (each caught by the signals of referrals.listings):
        # refresh matching's rows once, after the last, inside the admin's own transaction.
        with refreshed_after() as written:
            super().save_related(request, form, formsets, change)
            written.add(form.instance.pk)

    @admin.display(description="licensed in")
    def states(self, provider):
        return ", ".join(lic.state for lic in provider.licenses.all())

    @admin.display(description="freshness")
    def freshness(self, provider):
        today = timezone.localdate()
        problems = []
        if not availability_is_fresh(provider.availability_confirmed_at, timezone.now()):
            problems.append("availability stale")
        expired = [lic.state for lic in provider.licenses.all() if lic.expires_on < today]
        if expired:
            problems.append(f"licence expired: {', '.join(expired)}")
        if not problems:
            return format_html('<span class="rf-ok">{}</span>', "fresh")
        return format_html('<span class="rf-stale">{}</span>', "; ".join(problems))

    @admin.action(description="Confirm availability today", permissions=["change"])
    def confirm_availability_today(self, request, queryset):
        count = services.providers_confirm_availability(providers=queryset)
        self.message_user(request, f"Availability confirmed today for {count} listings.")

    class Media:
        css = {"all": ["referrals/referrals.css"]}


@admin.register(SupportResource)
class SupportResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "audience", "format", "active", "position")
    list_editable = ("active", "position")
    list_filter = ("kind", "audience", "format", "active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
