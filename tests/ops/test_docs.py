"""The documentation a user's clone has: README.md, referrals/README.md and docs/*.md link only
to files inside the repository (a clone has no ../shared/), and every relative link resolves."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "referrals" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_docs_exist():
    names = {path.name for path in DOCS}
    assert {"api.md", "clinical-reference.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_link_leaves_the_repository(doc):
    text = doc.read_text()
    assert "../shared" not in text
    assert "shared/api" not in text and "shared/reference" not in text
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), (doc.name, target)
        assert path.exists(), (doc.name, target)
