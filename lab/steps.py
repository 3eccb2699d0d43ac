"""Named, timed steps: each prints its start and duration, and is kept for the summary."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float
    ok: bool


TIMELINE: list[Step] = []


@contextmanager
def step(name: str) -> Iterator[None]:
    print(f"== step: {name}", flush=True)
    started = time.monotonic()
    ok = False
    try:
        yield
        ok = True
    finally:
        seconds = time.monotonic() - started
        TIMELINE.append(Step(name, seconds, ok))
        print(f"== step: {name}: {'done' if ok else 'FAILED'} in {seconds:.1f}s", flush=True)


def summary_lines() -> list[str]:
    return [f"{s.seconds:7.1f}s  {'ok    ' if s.ok else 'FAILED'}  {s.name}" for s in TIMELINE]


@contextmanager
def repeating(action: Callable[[], None], interval: float) -> Iterator[None]:
    """Run `action` every `interval` seconds in a background thread while the block runs."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
