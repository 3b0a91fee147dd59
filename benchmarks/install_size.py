"""What the core install weighs: `du` of site-packages in a fresh venv with torch alone, then after installing
this package with no extras (and then with each extra), so the package's own cost is the difference.

Target (issue 9): the core install at most torch + 400 MB.

    python benchmarks/install_size.py                  # writes benchmarks/results/install_size.json (needs PyPI)
    python benchmarks/install_size.py --dry-run        # measures the current venv only, installs nothing
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TORCH = "torch==2.13.0"  # the Makefile's pin: a CPU build on these machines
MB = 1024 * 1024


def du(folder: Path) -> int:
    """Bytes on disk under `folder` (as `du -s`, in bytes)."""
    return int(subprocess.run(["du", "-s", "--block-size=1", str(folder)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extras", default="parquet,baselines", help="extras measured one after the other")
    parser.add_argument("--dry-run", action="store_true", help="measure this venv's site-packages; install nothing")
    args = parser.parse_args()
    rows = []
    if args.dry_run:
        rows.append({"step": "this venv", "site_packages_mb": round(du(Path(sysconfig.get_paths()["purelib"])) / MB, 1)})
    else:
        with tempfile.TemporaryDirectory() as scratch:
            venv = Path(scratch) / "venv"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            pip(venv, TORCH)
            torch_only = du(site_packages(venv))
            rows.append({"step": f"venv + {TORCH}", "site_packages_mb": round(torch_only / MB, 1), "added_mb": None})
            pip(venv, str(ROOT))
            core = du(site_packages(venv))
            rows.append({"step": "+ cnnlstm (core)", "site_packages_mb": round(core / MB, 1),
                         "added_mb": round((core - torch_only) / MB, 1)})
            previous = core
            for extra in [e for e in args.extras.split(",") if e]:
                pip(venv, f"{ROOT}[{extra}]")
                size = du(site_packages(venv))
                rows.append({"step": f"+ extra [{extra}]", "site_packages_mb": round(size / MB, 1),
                             "added_mb": round((size - previous) / MB, 1)})
                previous = size
            frozen = subprocess.run([str(venv / "bin" / "pip"), "freeze"], capture_output=True, text=True).stdout
        target = {"core adds at most 400 MB over torch": (core - torch_only) / MB <= 400}
        print(f"{'met ' if all(target.values()) else 'MISSED'}  core adds {(core - torch_only) / MB:.0f} MB over torch")
    _common.print_table(rows)
    payload = {"rows": rows}
    if not args.dry_run:
        payload.update(target=target, freeze=frozen.splitlines())
    print(f"wrote {_common.write_json('install_size', payload, dry_run=args.dry_run)}")


if __name__ == "__main__":
    main()
