"""Small display helpers shared by every app (stdlib only)."""


def words(code: str | None) -> str:
    """A code as words: ``moderately_severe`` -> ``moderately severe`` (None -> "")."""
    return (code or "").replace("_", " ")


def short_id(pk) -> str:
    """The first 8 characters of a primary key: how staff pages and messages name a record
    without its full id (``Case 1f0c2a9b``)."""
    return str(pk)[:8]
