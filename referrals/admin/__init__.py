"""The referrals app in the admin: the directory (directory managers) and the clinician's
referral views. Importing both registers every ModelAdmin with the admin site."""

from referrals.admin import clinician, directory

__all__ = ["clinician", "directory"]
