"""The one clock every time-dependent rule reads: desk hours, holidays, SLA deadlines, callbacks, waits,
signed links, the bot's dates.

A process has one clock (the runtime holds it). It follows the system's time unless it is set: tests set it
to a known instant, so that no test depends on the hour, weekday or holiday it happens to run on, and
simulations can move it. A set clock either runs on from the instant it was set to, at the system's pace,
or stands still until it is moved.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Where a set clock stands: the instant, and the system's monotonic reading when it was set (None when
        # frozen). Monotonic, so that the set clock runs at the system's pace whatever the wall clock does.
        self._anchor: tuple[datetime, float | None] | None = None

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        anchor = self._anchor
        if anchor is None:
            return datetime.now(UTC)
        instant, since = anchor
        if since is None:
            return instant
        return instant + timedelta(seconds=time.monotonic() - since)

    def set(self, instant: datetime, *, frozen: bool = False) -> None:
        """From now on the clock reads `instant`, running on from it unless `frozen`."""
        if instant.tzinfo is None:
            raise ValueError("the clock is set to an aware datetime")
        with self._lock:
            self._anchor = (instant.astimezone(UTC), None if frozen else time.monotonic())

    def advance(self, delta: timedelta) -> None:
        """Move a set clock (running or frozen) by `delta`; the system's clock cannot be moved."""
        with self._lock:
            if self._anchor is None:
                raise RuntimeError("only a set clock can be moved: set it first")
            instant, since = self._anchor
            self._anchor = (instant + delta, since)

    @property
    def is_set(self) -> bool:
        return self._anchor is not None

    def follow_system(self) -> None:
        """Back to the system's time."""
        with self._lock:
            self._anchor = None


# The process's clock. The runtime hands it out (`Runtime.clock`); code without a runtime at hand (column
# defaults, the demo seed) reads it through `utcnow`.
CLOCK = Clock()


def utcnow() -> datetime:
    return CLOCK.now()
