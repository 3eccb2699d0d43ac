"""A custom timeout as Pulumi writes it, in seconds: the deadline of a pool's operation."""

import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(text: str | None) -> float | None:
    """`10m`, `1h30m`, `90s` in seconds; None for none."""
    if not text:
        return None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"custom timeout {text!r} is not a duration like 90s, 10m or 1h30m")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
