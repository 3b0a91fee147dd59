"""Data-parallel training throughput: one process against several under torchrun, through `Forecaster.fit` exactly
as a user calls it (the script run under torchrun is the same script, unchanged).

The reference task of throughput.py as BENCHMARKS.md section 1 measured it: ETTh1 (split 8640/2880/2880 rows), all
7 channels read together, window 96, horizon 24, `cnn_lstm` (2 convolutions of 64 filters, kernel 3, one max-pool of
2, LSTM hidden 128, linear head, RevIN), fp32. `--recipe` trains cnn_lstm's forecasting recipe instead (channel
independence, last-value normalisation, the segment head: 7 series per window, so about 7 times the work).
`batch_size` is the global batch in every setting (under torchrun each rank takes its slice), so every setting runs
the same steps.

A setting is PxT: P processes (P > 1: `torchrun --standalone --nproc_per_node P`, gloo on the CPU, nccl on GPUs) of
T torch threads each. Windows/s = training windows / epoch seconds (`history_`, which includes the validation pass,
itself shared out across ranks); epoch 1 is a warm-up and dropped, the fastest remaining epoch is kept (the
machine may be shared). Each setting is a fresh process (or process group), so the settings do not share warm-up.

    python benchmarks/ddp_cpu.py [--dry-run] [--settings 1x1,1x2,2x1] [--batch-size 256] [--epochs 3]
    python benchmarks/ddp_cpu.py --device cuda --settings 1x1 --batch-size 256,1024 --cuda-graph off,on   # a GPU
    python benchmarks/ddp_cpu.py ... --recipe --name ddp_cuda_recipe

Results: benchmarks/results/<--name>.json (default ddp_cpu, or ddp_cuda with --device cuda).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

ETT_SPLIT = (8640, 2880, 2880)
CHANNELS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
REFERENCE = dict(model="cnn_lstm", window=96, horizon=24, num_conv_layers=2, filters=64, kernel_size=3, pool=2,
                 hidden_size=128)
SECTION_1 = dict(channel_independent=False, revin=True, head="linear")  # what cnn_lstm was before its recipe
LAUNCH_ENV = ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def worker(args) -> None:
    """One measurement, in each process of a setting; rank 0 writes it to --worker's file."""
    import torch

    from cnnlstm import Forecaster, datasets, distributed

    torch.set_num_threads(args.threads)
    frame = datasets.load("etth1", data_dir=_common.data_dir(args.data_dir), download=False)
    task = dict(REFERENCE, split=ETT_SPLIT, **({} if args.recipe else SECTION_1))
    if args.dry_run:  # a miniature: small data, small net
        frame = frame.iloc[:600].reset_index(drop=True)
        task.update(split=(400, 100, 100), window=24, horizon=6, filters=8, hidden_size=16)
    forecaster = Forecaster(**task, targets=CHANNELS, calendar=None, batch_size=int(args.batch_size),
                            epochs=args.epochs, patience=None, amp=False, device=args.device, cuda_graph=args.graph,
                            progress=False)
    began = time.perf_counter()
    forecaster.fit(frame)
    fit_seconds = time.perf_counter() - began
    if distributed.is_main_process():
        seconds = forecaster.history_["seconds"].tolist()
        Path(args.worker).write_text(json.dumps({
            "num_train_windows": forecaster.num_train_windows_, "num_val_windows": forecaster.num_val_windows_,
            "epoch_seconds": seconds, "fit_seconds": fit_seconds, "world_size": distributed.world_size(),
            "val_loss": forecaster.history_["val_loss"].tolist(), "device": str(forecaster.device_)}))


def measure(args, processes: int, threads: int, batch_size: int, graph: bool) -> dict:
    """Start one setting (plain python for one process, torchrun for more) and read its measurement."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        script = [str(Path(__file__).resolve()), "--worker", str(out), "--threads", str(threads),
                  "--batch-size", str(batch_size), "--epochs", str(args.epochs), "--device", args.device]
        script += ["--graph"] if graph else []
        script += ["--recipe"] if args.recipe else []
        script += ["--dry-run"] if args.dry_run else []
        script += ["--data-dir", args.data_dir] if args.data_dir else []
        launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)]
        command = [*(launch if processes > 1 else [sys.executable]), *script]
        env = {k: v for k, v in os.environ.items() if k not in LAUNCH_ENV}
        env["OMP_NUM_THREADS"] = str(threads)
        load = os.getloadavg()[0]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    measured = result["epoch_seconds"][1:] or result["epoch_seconds"]  # epoch 1 is the warm-up
    return {"setting": f"{processes}x{threads}", "processes": processes, "threads": threads, "device": args.device,
            "batch_size": batch_size, "cuda_graph": graph,
            "windows_per_s": result["num_train_windows"] / min(measured), "best_val_loss": min(result["val_loss"]),
            "load_average_1min_before": load, **result}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="a seconds-long miniature, for CI")
    parser.add_argument("--settings", default="1x1,1x2,2x1", help="PxT: P processes of T threads each")
    parser.add_argument("--batch-size", default="256", help="global batch sizes, comma-separated")
    parser.add_argument("--cuda-graph", default="off", help="off, on or off,on (CUDA only)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per setting, the first one a warm-up")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--recipe", action="store_true", help="cnn_lstm's forecasting recipe (channel-independent)")
    parser.add_argument("--name", default=None, help="results file name (default ddp_cpu, or ddp_cuda on cuda)")
    parser.add_argument("--data-dir", default=None)
    # one measurement inside the processes of a setting (the script calls itself)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--graph", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    if args.dry_run:
        args.epochs, args.settings = 2, "1x1,2x1"
    settings = [tuple(int(n) for n in s.split("x")) for s in args.settings.split(",")]
    batches = [int(b) for b in args.batch_size.split(",")]
    graphs = [g == "on" for g in args.cuda_graph.split(",")]

    rows = []
    for (processes, threads), batch_size, graph in itertools.product(settings, batches, graphs):
        row = measure(args, processes, threads, batch_size, graph)
        rows.append(row)
        print(f"[{row['setting']} batch={batch_size} graph={graph}] {row['windows_per_s']:.0f} windows/s, "
              f"best val loss {row['best_val_loss']:.4f}", flush=True)
    base = {(r["batch_size"], r["cuda_graph"]): r["windows_per_s"] for r in rows if r["setting"] == "1x1"}
    for row in rows:
        if (row["batch_size"], row["cuda_graph"]) in base:
            row["speedup_vs_1x1"] = row["windows_per_s"] / base[row["batch_size"], row["cuda_graph"]]
    print()
    _common.print_table(rows, ["setting", "device", "batch_size", "cuda_graph", "windows_per_s", "speedup_vs_1x1",
                               "best_val_loss", "load_average_1min_before"])
    name = args.name or ("ddp_cpu" if args.device == "cpu" else "ddp_cuda")
    task = {**REFERENCE, **({"recipe": True} if args.recipe else SECTION_1), "split": ETT_SPLIT, "targets": CHANNELS,
            "amp": False}
    path = _common.write_json(name, {"task": task,
                                     "epochs": args.epochs, "estimator": "fastest epoch after the first",
                                     "results": rows}, dry_run=args.dry_run)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
