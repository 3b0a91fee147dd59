"""How many CPU threads torch gets when the user names none (the command line's default for `--threads`).

torch's own default is every physical core, whatever else the machine is doing. On an idle machine that is
right: two threads trained the README's sunspots and ETTh1 jobs 1.2-1.3 x faster than one on two cores. On a
busy one it is the worst choice: torch's OpenMP workers spin-wait for each other, a descheduled worker stalls
every step, and the same job took 5-14 x longer than on one thread (BENCHMARKS.md section 13). The rule here:
the cores this process may run on that are not already busy (sampled from /proc/stat for 50 ms), at least one,
at most the physical cores.

Nothing here imports torch: the command line sets the count when a command starts working, so `--help`,
`models` and `datasets` never load it.
"""

from __future__ import annotations

import os
import time
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


def busy_cores(interval: float = 0.05) -> float:
    """How many cores other work keeps busy now: the non-idle share of /proc/stat's CPU time over `interval`
    seconds (this process sleeps meanwhile), times the cores; the 1-minute load average where /proc is absent.

    Sampled rather than the load average alone: the load average still counts, for a minute, a command that just
    ended (one run after another would each see the last one and take one thread on a free machine).
    """
    def times() -> list[int]:
        with open("/proc/stat", encoding="ascii") as file:
            return [int(v) for v in file.readline().split()[1:]]

    try:
        before = times()
        time.sleep(interval)
        after = times()
    except (OSError, ValueError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    delta = [b - a for a, b in zip(before, after)]
    total = sum(delta[:8])  # user nice system idle iowait irq softirq steal (guest time is inside user)
    idle = delta[3] + delta[4]
    return (total - idle) / total * (os.cpu_count() or 1) if total > 0 else 0.0


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


def default_threads_for(environ=os.environ) -> int | None:
    """`default_threads()`, or None when the user chose through `OMP_NUM_THREADS` (torch reads it itself).

    The caller gives the count to `torch.set_num_threads` when a command starts working. OpenMP's wait policy is
    left alone: `OMP_WAIT_POLICY=PASSIVE` saved an overloaded machine but made two threads on a free one as slow
    as one (sunspots 13.2 s against 10.0 s, BENCHMARKS.md section 13), and the count taken from the free cores
    already keeps a busy machine from being oversubscribed.
    """
    return None if "OMP_NUM_THREADS" in environ else default_threads()
