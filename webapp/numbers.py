"""Numbers a client sends (page numbers, comment ids), read strictly."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also accepts "²" and "①"
LARGEST = 2**31 - 1  # what an INTEGER column holds


def parse_number(raw: str | None) -> int | None:
    """A whole number from 0 to 2**31 - 1 written in ASCII digits, or None."""
    if raw is None:
        return None
    text = raw.strip()
    if not DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= LARGEST else None
