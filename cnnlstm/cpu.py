"""How many CPU threads torch gets when the user names none (the command line's default for `--threads`).

torch's own default is every physical core, whatever else the machine is doing. On an idle machine that is
right: two threads trained the README's sunspots and ETTh1 jobs 1.2-1.3 x faster than one on two cores. On a
busy one it is the worst choice: torch's OpenMP workers spin-wait for each other, a descheduled worker stalls
every step, and the same job took 11-12 x longer than on one thread (BENCHMARKS.md section 13). The rule here:
the cores this process may run on that are not already busy (the 1-minute load average), at least one, at most
the physical cores; and OpenMP's workers sleep instead of spinning while they wait (`OMP_WAIT_POLICY=PASSIVE`),
so a machine that gets busy mid-run costs a little, not many times.

Nothing here imports torch: the command line sets these before torch loads, so `--help` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path


def usable_cores() -> int:
    """The logical cores this process may run on (its CPU affinity; all of them where that is unknown)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def physical_cores() -> int | None:
    """Distinct (package, core) pairs in Linux's CPU topology, or None where that is not readable."""
    pairs = set()
    for topology in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/topology"):
        try:
            pairs.add(((topology / "physical_package_id").read_text(), (topology / "core_id").read_text()))
        except OSError:
            return None
    return len(pairs) or None


def busy_cores() -> float:
    """The 1-minute load average: how many cores other work keeps busy (0 where the platform has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def default_threads(*, cores: int | None = None, physical: int | None = None, busy: float | None = None) -> int:
    """Threads for torch when none is asked for: the usable cores not already busy, between 1 and the physical cores.

    Example:
        >>> default_threads(cores=8, physical=8, busy=0.2)
        8
        >>> default_threads(cores=2, physical=2, busy=1.4)
        1
    """
    cores = usable_cores() if cores is None else cores
    physical = physical_cores() if physical is None else physical
    busy = busy_cores() if busy is None else busy
    free = int(cores - busy + 0.5)  # a load of 0.4 leaves the core free; 0.6 takes it
    return max(1, min(free, cores, physical or cores))


def set_default_threads(environ=os.environ) -> int | None:
    """Give torch `default_threads()` through the environment, before torch loads; None if the user chose already.

    `OMP_NUM_THREADS` set by the user wins (torch reads it too); `OMP_WAIT_POLICY` is only set when absent.
    """
    environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if "OMP_NUM_THREADS" in environ:
        return None
    threads = default_threads()
    environ["OMP_NUM_THREADS"] = str(threads)
    return threads
