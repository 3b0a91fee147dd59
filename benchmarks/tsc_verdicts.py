"""`compare`'s verdict against MiniRocket, applied to stored runs: the hybrid's 5 seeds against MiniRocket's 5.

Reads two result files that other benchmarks wrote (nothing is trained here):

* results/<--hybrid>.json (default tsc_accuracy_lstm_fcn.json, from `tsc_accuracy.py`): the Classifier's accuracy
  per problem and seed, for the runs whose settings match `--settings` (default: the library's defaults, as
  stated in BENCHMARKS.md section 14);
* results/minirocket.json (from `minirocket.py`): aeon's MiniRocket, 10,000 kernels, per seed.

For each problem both contenders' seeds 0-4 are paired, and `cnnlstm.comparison.significance.paired_test` and
`verdicts` (the rule `compare` applies: "tie" where the two-sided p-value is 0.05 or more) say best, tie or worse
for the hybrid. The issue's goal: the hybrid ties or beats MiniRocket on every problem.

    python benchmarks/tsc_verdicts.py [--hybrid tsc_accuracy_lstm_fcn] [--settings '{"schedule": ...}']
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


DEFAULT_SETTINGS = '{"schedule": "plateau", "val_size": 0}'  # what the Classifier's defaults are since issue 11


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hybrid", default="tsc_accuracy_lstm_fcn", help="results/<name>.json of tsc_accuracy.py")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="the runs' settings key to read")
    parser.add_argument("--dry-run", action="store_true", help="read the files, print, write a .dry-run.json")
    args = parser.parse_args(argv)
    hybrid = json.loads((_common.RESULTS / f"{args.hybrid}.json").read_text())["runs"]
    minirocket = json.loads((_common.RESULTS / "minirocket.json").read_text())["raw"]
    rows = []
    for problem in dict.fromkeys(r["problem"] for r in hybrid):
        ours = {r["seed"]: r for r in hybrid if r["problem"] == problem and r["settings"] == args.settings}
        theirs = {r["seed"]: r["accuracy"] for r in minirocket.get(problem, {}).get("runs", [])}
        seeds = sorted(set(ours) & set(theirs))
        if not seeds:
            continue
        a, b = [ours[s]["accuracy"] for s in seeds], [theirs[s] for s in seeds]
        model = ours[seeds[0]]["model"]
        p, verdict = _common.paired_verdict(a, b, higher_is_better=True)
        rows.append({"problem": problem, "model": model, "seeds": len(seeds), "hybrid": round(statistics.mean(a), 4),
                     "minirocket": round(statistics.mean(b), 4), "p_value": round(p, 4), "hybrid_verdict": verdict})
    _common.print_table(rows)
    path = _common.write_json("tsc_verdicts", {"hybrid_results": args.hybrid, "settings": args.settings,
                                               "rows": rows}, dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
