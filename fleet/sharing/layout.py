"""Whether a layout of MIG profiles (profile -> instances per GPU) fits one GPU, and why not.

A layout fits when its compute slices add up to at most 7 and its memory slices to at
most 8. With these six shapes that is also when the driver can place every instance
(`nvidia-smi mig -cgi`): the shapes that cannot reach the last memory slice (1g with an
eighth, 2g, 4g) take as many compute slices as memory slices, so a layout filling all 8
memory slices without one that reaches it needs 8 compute slices. The fast tests check
this against every layout, placement by placement.
"""

from collections.abc import Mapping

from fleet.sharing.profiles import COMPUTE_SLICES, MEMORY_SLICES, MigProfile


def compute_slices(layout: Mapping[MigProfile, int]) -> int:
    return sum(profile.compute_slices * count for profile, count in layout.items())


def memory_slices(layout: Mapping[MigProfile, int]) -> int:
    return sum(profile.memory_slices * count for profile, count in layout.items())


def describe(layout: Mapping[MigProfile, int]) -> str:
    return " + ".join(f"{count} x {profile.name}" for profile, count in layout.items())


def misfit(layout: Mapping[MigProfile, int], product: str) -> str | None:
    """Why `layout` does not fit one GPU of `product`, or None when it fits."""
    compute, memory = compute_slices(layout), memory_slices(layout)
    if compute > COMPUTE_SLICES:
        why = f"it needs {compute} compute slices and the GPU has {COMPUTE_SLICES}"
    elif memory > MEMORY_SLICES:
        why = f"it needs {memory} memory slices (eighths) and the GPU has {MEMORY_SLICES}"
    else:
        return None
    return f"{describe(layout)} does not fit one {product}: {why}"
