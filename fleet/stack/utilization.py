"""A workload's simulated GPU utilization: a range of percentages, as the operator reads it.

fake-gpu-operator's status-updater reads the pod annotation
`run.ai/simulated-gpu-utilization` (`"20-40"`, or one figure, `"50"`) and its
exporter reports, every 10 s, a figure drawn from that range for each GPU the pod
holds. The operator parses the text loosely and crashes on a range whose low end is
above its high end, so the fleet accepts only what it reads right: `LOW-HIGH` (or
one figure), whole percentages, 0 <= LOW <= HIGH <= 100.
"""

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

UTILIZATION_ANNOTATION = "run.ai/simulated-gpu-utilization"
_RANGE = re.compile(r"^([0-9]{1,3})(?:-([0-9]{1,3}))?$")
EXPECTED = (
    "expected a range of whole percentages LOW-HIGH such as 20-40 (0 <= LOW <= HIGH <= 100), "
    "or one percentage such as 50"
)


@dataclass(frozen=True)
class UtilizationRange:
    """`low`-`high` percent; the operator draws each reading from [low, high) (low if equal)."""

    low: int
    high: int

    @property
    def text(self) -> str:
        """As the annotation carries it: `20-40`, or `50` for a single figure."""
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"

    @property
    def highest_reading(self) -> int:
        """The most the exporter reports: the operator draws from [low, high)."""
        return self.low if self.low == self.high else self.high - 1

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.highest_reading


def parse_utilization(text: str) -> UtilizationRange:
    """`"20-40"` -> UtilizationRange(20, 40); ValueError saying what is valid otherwise."""
    match = _RANGE.match(text.strip())
    if match is None:
        raise ValueError(f"{EXPECTED}; got {text!r}")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else low
    if high > 100:
        raise ValueError(f"{EXPECTED}; got {text!r}: {high} is above 100")
    if low > high:
        raise ValueError(f"{EXPECTED}; got {text!r}: the low end {low} is above the high end")
    return UtilizationRange(low, high)


def _normalized(text: str) -> str:
    return parse_utilization(text).text


# A stack or trace value: the text, checked and normalized (`" 20-40 "` -> `"20-40"`).
Utilization = Annotated[str, AfterValidator(_normalized)]
