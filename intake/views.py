from django.shortcuts import render
from django.urls import NoReverseMatch, reverse


def start(request):
    """The patient's welcome page."""
    try:
        wizard_url = reverse("intake:wizard")
    except NoReverseMatch:
        wizard_url = None
    return render(request, "intake/start.html", {"wizard_url": wizard_url})
