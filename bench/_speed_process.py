"""What each process of ``bench/speed.py`` uses to measure itself: the baton the processes pass
round so that only one works at a time, the clock of its own turns, and its memory (RSS).

No heavy imports here: the spawned processes import this file.
"""

from __future__ import annotations

import resource
import time


class Baton:
    """Processes take turns, in a ring: only the holder works, the others sleep in a condition wait.
    The turn passes to the next process that has not finished (back to the holder when none is left)."""

    def __init__(self, cond, turn, done, me: int):
        self.cond, self.turn, self.done, self.me = cond, turn, done, me

    def _next(self) -> int:
        count = len(self.done)
        for step in range(1, count):
            other = (self.me + step) % count
            if not self.done[other]:
                return other
        return self.me

    def acquire(self) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.turn.value == self.me)

    def pass_on(self) -> None:
        with self.cond:
            self.turn.value = self._next()
            self.cond.notify_all()

    def yield_turn(self) -> None:
        self.pass_on()
        self.acquire()

    def finish(self) -> None:
        with self.cond:
            self.done[self.me] = 1
            self.turn.value = self._next()
            self.cond.notify_all()


class TurnClock:
    """Wall and CPU time of the work done in this process's turns."""

    def __init__(self, sync=None):
        self.sync = sync or (lambda: None)
        self.start()

    def start(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        self.sync()
        return time.perf_counter() - self.wall0, time.process_time() - self.cpu0


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """Peak RSS since the last reset_peak_rss() (VmHWM), else since the process started."""
    value = _status_kb("VmHWM")
    if value:
        return value / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_rss_mb() -> float:
    """The process's peak RSS since it started (getrusage), whatever reset_peak_rss() did."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Linux >= 4.0: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _status_kb(key: str) -> int:
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
