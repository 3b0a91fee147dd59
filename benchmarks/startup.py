"""Start-up cost: CPU seconds (user + system) of `import torch`, `import cnnlstm`, `from cnnlstm import Forecaster`
and the light commands (`cnnlstm --help`, `--version`, `models`, `datasets`), each a fresh process, measured in one
run so the figures compare: the machine's load affects them alike.

Targets (issue 9): `import cnnlstm` within 0.5 s of CPU time of `import torch`; `cnnlstm --help` under 0.5 s.

    python benchmarks/startup.py --repeats 7          # writes benchmarks/results/startup.json
    python benchmarks/startup.py --dry-run            # one repeat, for the tests
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

PYTHON = sys.executable


def commands() -> dict[str, list[str]]:
    cli = shutil.which("cnnlstm", path=str(Path(PYTHON).parent)) or "cnnlstm"
    return {
        "python -c pass": [PYTHON, "-c", "pass"],
        "import torch": [PYTHON, "-c", "import torch"],
        "import cnnlstm": [PYTHON, "-c", "import cnnlstm"],
        "from cnnlstm import Forecaster": [PYTHON, "-c", "from cnnlstm import Forecaster"],
        "cnnlstm --help": [cli, "--help"],
        "cnnlstm --version": [cli, "--version"],
        "cnnlstm models": [cli, "models"],
        "cnnlstm datasets": [cli, "datasets"],
    }


def cpu_seconds(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command` as a child process."""
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "120"})
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="fresh processes per command (the median is kept)")
    parser.add_argument("--dry-run", action="store_true", help="one repeat of each command")
    args = parser.parse_args()
    repeats = 1 if args.dry_run else args.repeats
    rows = []
    runs = {name: [] for name in commands()}
    for _ in range(repeats):  # interleaved, so a burst of load hits every command alike
        for name, command in commands().items():
            runs[name].append(cpu_seconds(command))
    torch_cpu = _common.median([cpu for cpu, _ in runs["import torch"]])
    for name, measured in runs.items():
        cpu = _common.median([c for c, _ in measured])
        rows.append({"command": name, "cpu_s": round(cpu, 3), "wall_s": round(_common.median([w for _, w in measured]), 3),
                     "vs_import_torch_s": round(cpu - torch_cpu, 3), "ratio_to_import_torch": round(cpu / torch_cpu, 3)})
    _common.print_table(rows)
    by_name = {row["command"]: row for row in rows}
    targets = {"import cnnlstm within 0.5 s CPU of import torch": by_name["import cnnlstm"]["vs_import_torch_s"] <= 0.5,
               "cnnlstm --help under 0.5 s CPU": by_name["cnnlstm --help"]["cpu_s"] < 0.5}
    for target, met in targets.items():
        print(f"{'met ' if met else 'MISSED'}  {target}")
    path = _common.write_json("startup", {"repeats": repeats, "estimator": "median CPU seconds (user + system)",
                                          "load_average": os.getloadavg(), "rows": rows, "targets": targets},
                              dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
