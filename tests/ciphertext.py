"""Checking that raw database text holds patients' details only as ciphertext.

Fernet tokens are URL-safe base64, so a short plaintext ("Ada", "10027") turns up inside a
random token now and then (about one run in a hundred for a three-letter name in a draft's
two kilobytes of tokens). Asserting absence over the raw text would then fail by chance. The
helpers here take the tokens (and HMAC blind-index digests) out first, count them, and leave
the rest of the text to be searched for plaintext.
"""

import re

FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-]+=*")
HEX_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")


def outside_ciphertext(raw: str) -> tuple[str, int]:
    """``raw`` with every Fernet token and SHA-256 hex digest replaced by a marker, and how many
    Fernet tokens there were."""
    tokens = len(FERNET_TOKEN.findall(raw))
    text = FERNET_TOKEN.sub("<fernet>", raw)
    return HEX_DIGEST.sub("<digest>", text), tokens
