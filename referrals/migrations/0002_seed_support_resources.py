"""Seed the support resources of reference/clinical.md §6, and the 988 Lifeline (§5).

Idempotent (by slug) and editable afterwards in the admin: running it again only adds what is
missing, never overwrites an edit. Reversing removes the seeded slugs.
"""

from django.db import migrations

RESOURCES = [
    {
        "slug": "988-lifeline",
        "name": "988 Suicide & Crisis Lifeline",
        "kind": "crisis_line",
        "description": (
            "Free, confidential, 24/7 support in a suicidal or emotional crisis. Press 1 for "
            "the Veterans Crisis Line (or text 838255), press 2 for Spanish; interpretation in "
            "250+ languages. TTY: use a relay service or dial 711 then 988; ASL videophone "
            "through the ASL Now link. In immediate danger, call 911."
        ),
        "led_by": "Trained crisis counsellors at 200+ local crisis centres (SAMHSA network)",
        "audience": "both",
        "format": "online",
        "url": "https://988lifeline.org/",
        "contact": "Call or text 988, or chat at 988lifeline.org",
        "position": 0,
    },
    {
        "slug": "nami-connection",
        "name": "NAMI Connection Recovery Support Group",
        "kind": "peer_support",
        "description": (
            "Free, confidential, structured support group (National Alliance on Mental "
            "Illness) for adults 18+ with any mental health condition; 90-minute meetings, "
            "weekly, biweekly or monthly depending on the local affiliate."
        ),
        "led_by": "Trained peer facilitators with lived experience of mental illness",
        "audience": "patient",
        "format": "both",
        "url": "https://www.nami.org/",
        "contact": "",
        "position": 10,
    },
    {
        "slug": "nami-family-support-group",
        "name": "NAMI Family Support Group",
        "kind": "peer_support",
        "description": (
            "Free, confidential, structured support group for adult family members, "
            "caregivers and friends of people with mental health conditions."
        ),
        "led_by": "Trained facilitators who are themselves family members",
        "audience": "carer",
        "format": "both",
        "url": "https://www.nami.org/",
        "contact": "",
        "position": 20,
    },
    {
        "slug": "dbsa-support-groups",
        "name": "DBSA support groups",
        "kind": "peer_support",
        "description": (
            "Free peer support from the Depression and Bipolar Support Alliance for people "
            "living with depression or bipolar disorder; not therapy. Identity-specific groups "
            "(young adults, veterans, rural, co-occurring substance use); national online "
            "groups hosted on HeyPeers."
        ),
        "led_by": "Trained peers with lived experience of depression or bipolar disorder",
        "audience": "patient",
        "format": "both",
        "url": "https://www.dbsalliance.org/",
        "contact": "",
        "position": 30,
    },
    {
        "slug": "dbsa-friends-and-family",
        "name": "DBSA Friends & Family groups",
        "kind": "peer_support",
        "description": (
            "DBSA groups for friends, family and caregivers, including a parent and caregiver "
            "group for families of newly diagnosed children."
        ),
        "led_by": "Peers",
        "audience": "carer",
        "format": "both",
        "url": "https://www.dbsalliance.org/",
        "contact": "",
        "position": 40,
    },
    {
        "slug": "depressed-anonymous",
        "name": "Depressed Anonymous (and Dep-Anon for families)",
        "kind": "peer_support",
        "description": (
            "12-step mutual-aid fellowship for people with depression, founded 1985; its "
            "Dep-Anon family group began in 2022."
        ),
        "led_by": "Peers (non-professional)",
        "audience": "both",
        "format": "both",
        "url": "https://depressedanon.com/",
        "contact": "",
        "position": 50,
    },
    {
        "slug": "emotions-anonymous",
        "name": "Emotions Anonymous (EA)",
        "kind": "peer_support",
        "description": (
            "12-step fellowship for emotional well-being (depression, anxiety, grief, anger "
            "and more), about 600 groups in 30+ countries; meets in person, by phone and "
            "online."
        ),
        "led_by": "Rotating non-professional leaders",
        "audience": "patient",
        "format": "both",
        "url": "https://emotionsanonymous.org/",
        "contact": "",
        "position": 60,
    },
    {
        "slug": "mental-health-america",
        "name": "Mental Health America (MHA)",
        "kind": "peer_support",
        "description": (
            "Non-profit founded 1909: free anonymous online screening, a free moderated online "
            "peer-support community (Inspire), and peer support at local affiliates."
        ),
        "led_by": "Peers; moderated community (not clinician-led)",
        "audience": "both",
        "format": "both",
        "url": "https://mhanational.org/",
        "contact": "",
        "position": 70,
    },
    {
        "slug": "adaa-online-community",
        "name": "Anxiety and Depression Association of America (ADAA) online community",
        "kind": "peer_support",
        "description": (
            "Free online peer-to-peer support community for anxiety and depression, "
            "moderated by ADAA staff and volunteers on HealthUnlocked, for people with "
            "anxiety or depression and their friends, family and colleagues."
        ),
        "led_by": "Peers, moderated",
        "audience": "both",
        "format": "online",
        "url": "https://adaa.org/",
        "contact": "",
        "position": 80,
    },
]


def seed(apps, schema_editor):
    SupportResource = apps.get_model("referrals", "SupportResource")
    for resource in RESOURCES:
        SupportResource.objects.get_or_create(slug=resource["slug"], defaults=resource)


def unseed(apps, schema_editor):
    SupportResource = apps.get_model("referrals", "SupportResource")
    SupportResource.objects.filter(slug__in=[r["slug"] for r in RESOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
