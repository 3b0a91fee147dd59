"""`compare`'s verdict on C-MAPSS, applied to stored network runs: the UnitRegressor's seeds against gradient boosting.

Nothing neural is trained here. The networks' test RMSEs per seed come from results files that `cmapss_rul.py`
wrote: the library defaults (cmapss_rul_default and cmapss_rul_default_b, seeds 0-4) and the `n_estimators=5`
runs of cmapss_rul_ensemble. Gradient boosting is `compare`'s `gbm` baseline
(scikit-learn's HistGradientBoostingRegressor on per-channel window summaries, `seed` as its random_state), fitted
here for each seed on the windows `compare` gives it: every training window of the units, prepared as the
network sees them (a UnitRegressor fitted for one epoch supplies the preparation: capped target, constant sensors
dropped, per-condition scaling), and scored on each test engine's last window.

For each network the seeds both have are paired and `cnnlstm.comparison.significance.paired_test` and `verdicts`
(the rule `compare` applies: "tie" where the two-sided p-value is 0.05 or more) say best, tie or worse; an
ensemble's seed is its first member's (members seed .. seed + 4). The issue's goal: a network beats gradient
boosting on FD001 with p < 0.05.

    python benchmarks/rul_verdicts.py [--subset fd001] [--seeds 5] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from cnnlstm import UnitRegressor, datasets  # noqa: E402
from cnnlstm.comparison.baselines import sequence_baseline  # noqa: E402
from cnnlstm.estimators.units import rul_metrics  # noqa: E402

NETWORK_RESULTS = {"default": ["cmapss_rul_default", "cmapss_rul_default_b"], "ensemble": ["cmapss_rul_ensemble"]}


def gbm_runs(subset: str, seeds: list[int], data_dir: str, dry_run: bool) -> dict[int, dict]:
    """Gradient boosting's test metrics per seed, on the windows compare would give it."""
    train = datasets.load(f"cmapss-{subset}", split="train", data_dir=data_dir)
    test = datasets.load(f"cmapss-{subset}", split="test", data_dir=data_dir)
    if dry_run:
        train, test = train[train["unit"] <= 20], test[test["unit"] <= 20]
    prep = UnitRegressor(model="cnn", epochs=1, filters=4, num_conv_layers=1, device="cpu", progress=False)
    prep.fit(train, group="unit", target="rul")  # its data steps only matter: the windows compare builds
    fit, last = prep.windows(train, target="rul"), prep.windows(test, every_window=False)
    truth = prep.last_cycle(test)["true"].to_numpy(np.float64)
    runs = {}
    for seed in seeds:
        baseline = sequence_baseline("gbm", "regress", seed=seed).fit(fit["X"], fit["lengths"], fit["y"])
        predicted = baseline.predict(last["X"], last["lengths"])
        runs[seed] = rul_metrics(truth, predicted, prep.rul_cap)
        print(f"gbm seed {seed}: rmse {runs[seed]['rmse']:.2f}  capped {runs[seed]['rmse_capped']:.2f}", flush=True)
    return runs


def network_runs(names: list[str], subset: str) -> dict[int, dict]:
    """Stored runs of one configuration per seed (the first file's settings key; later files add seeds)."""
    runs, key = {}, None
    for name in names:
        path = _common.RESULTS / f"{name}.json"
        if not path.exists():
            continue
        for run in json.loads(path.read_text())["runs"]:
            if run["subset"] != subset:
                continue
            key = run["settings"] if key is None else key
            if run["settings"] == key:
                runs.setdefault(run["seed"], run)
    return runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subset", default="fd001")
    parser.add_argument("--seeds", type=int, default=5,
                        help="gradient boosting's seeds 0 .. N-1, and every seed a stored network run has")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="20 engines, 1 seed; writes a .dry-run.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    networks = {label: network_runs(names, args.subset) for label, names in NETWORK_RESULTS.items()}
    seeds = sorted(set(range(args.seeds)).union(*networks.values()))  # every seed a network has, to pair with
    gbm = gbm_runs(args.subset, [0] if args.dry_run else seeds, _common.data_dir(args.data_dir), args.dry_run)
    rows = []
    for label, ours in networks.items():
        paired = sorted(set(ours) & set(gbm))
        if len(paired) < 2:
            print(f"{label}: {len(paired)} paired seed(s), no test")
            continue
        for metric in ("rmse", "rmse_capped"):
            a, b = [ours[s][metric] for s in paired], [gbm[s][metric] for s in paired]
            network = f"{ours[paired[0]]['model']} ({label})"
            p, verdict = _common.paired_verdict(a, b, higher_is_better=False)
            rows.append({"subset": args.subset, "metric": metric, "network": network, "seeds": len(paired),
                         "network_mean": round(statistics.mean(a), 3), "gbm_mean": round(statistics.mean(b), 3),
                         "p_value": round(p, 4), "network_verdict": verdict})
    if rows:
        _common.print_table(rows)
    path = _common.write_json("rul_verdicts", {"subset": args.subset, "gbm": {str(k): v for k, v in gbm.items()},
                                               "rows": rows}, dry_run=args.dry_run)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
