"""The prediction server under load on loopback: `cnnlstm serve` started as its own process, then (1) one client's
round trips one after another, (2) N concurrent clients for T seconds, each on its own keep-alive connection.
Reports latency median and p99 of both, failed requests, throughput, and the server process's resident memory
(RSS) after start-up, after warm-up and at the end, and the server's CPU time per request (which a busy machine
inflates less than the wall-clock latency).

Targets (issue 13): one client's `/predict` round trip <= 15 ms median; under load no request fails, p99 under
10 x the median, and RSS flat (here: the end within 10% of the warmed-up start).

The model: a small forecaster trained here through the public API (ETTh1: cnn_lstm, window 96, horizon 24, one
short epoch; the dry run: airline, linear), or a run folder of your own with --run. Each request posts the last
`window` rows of the series as JSON records, as a client asking for the next forecast would.

    python benchmarks/serve_load.py                           # 16 clients x 30 s; writes results/serve_load.json
    python benchmarks/serve_load.py --run runs/cnn_lstm-etth1 --clients 32 --seconds 60
    python benchmarks/serve_load.py --dry-run                 # a few seconds, for the tests
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

PYTHON = sys.executable


def train_small_forecaster(folder: Path, *, dry_run: bool, data_dir: str | None) -> tuple[Path, str]:
    """A small forecaster saved in `folder` (the public API, as a user would); returns (folder, dataset name)."""
    from cnnlstm import Forecaster, datasets

    if dry_run:
        data = datasets.load("airline", data_dir=data_dir)
        model = Forecaster(model="linear", window=24, horizon=6, split=(96, 24, 24), epochs=1, progress=False)
        name = "airline"
    else:
        data = datasets.load("etth1", data_dir=data_dir)
        model = Forecaster(model="cnn_lstm", window=96, horizon=24, targets=["OT"], epochs=1, max_steps_per_epoch=60,
                           progress=False)
        name = "etth1"
    model.fit(data).save(folder)
    return folder, name


def request_body(run: Path, data_dir: str | None, dataset: str | None) -> bytes:
    """The last `window` (+ a few) rows of the dataset as JSON records."""
    import cnnlstm
    from cnnlstm import datasets

    model = cnnlstm.load(run)
    data = datasets.load(dataset or "etth1", data_dir=data_dir).tail(model.window + 8)
    return data.to_json(orient="records", date_format="iso").encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """The resident memory of process `pid` in MiB (Linux: /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (Linux: /proc/PID/stat), all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(run: Path, port: int, threads: int) -> subprocess.Popen:
    cli = shutil.which("cnnlstm", path=str(Path(PYTHON).parent))
    command = [cli] if cli else [PYTHON, "-m", "cnnlstm.cli"]
    process = subprocess.Popen([*command, "--threads", str(threads), "serve", str(run), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer /health within 120 s")


def post(connection: http.client.HTTPConnection, body: bytes) -> tuple[int, float]:
    """(status, milliseconds) of one POST /predict on a keep-alive connection."""
    began = time.perf_counter()
    connection.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, (time.perf_counter() - began) * 1000


def summary(latencies: list[float]) -> dict:
    values = np.asarray(latencies)
    return {"requests": len(values), "median_ms": round(float(np.median(values)), 3),
            "p90_ms": round(float(np.percentile(values, 90)), 3), "p99_ms": round(float(np.percentile(values, 99)), 3),
            "max_ms": round(float(values.max()), 3)}


def sequential(port: int, body: bytes, count: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, failures = [], 0
    for _ in range(count):
        status, ms = post(connection, body)
        failures += status != 200
        latencies.append(ms)
    connection.close()
    return {**summary(latencies), "failures": failures}


def load_test(port: int, body: bytes, clients: int, seconds: float, pid: int) -> dict:
    """`clients` threads, each posting on its own connection until `seconds` have passed; RSS sampled each second."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                status, ms = post(connection, body)
            except (OSError, http.client.HTTPException) as error:  # counted as a failure, then a fresh connection
                failures[k] += 1
                errors.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            failures[k] += status != 200
            latencies[k].append(ms)
        connection.close()

    rss = []
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        rss.append(rss_mb(pid))
        time.sleep(1.0)
    elapsed = time.perf_counter() - began
    merged = [ms for per_client in latencies for ms in per_client]
    result = summary(merged)
    return {**result, "clients": clients, "seconds": round(elapsed, 2), "failures": sum(failures),
            "errors": errors[:5], "requests_per_s": round(len(merged) / elapsed, 1),
            "p99_over_median": round(result["p99_ms"] / result["median_ms"], 2),
            "rss_each_second_mb": [round(v, 1) for v in rss]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=None, help="a run folder to serve (default: train a small one)")
    parser.add_argument("--dataset", default=None, help="with --run: the named dataset the requests come from "
                                                        "(default: etth1)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the load test")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the load test")
    parser.add_argument("--requests", type=int, default=300, help="one client's sequential round trips")
    parser.add_argument("--threads", type=int, default=1, help="the server's torch threads")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dry-run", action="store_true", help="airline, a linear model, 4 clients x 3 s")
    args = parser.parse_args()
    data_dir = _common.data_dir(args.data_dir)
    if args.dry_run:
        args.clients, args.seconds, args.requests = 4, 3.0, 30
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        run, dataset = (args.run, args.dataset) if args.run else train_small_forecaster(
            Path(tmp) / "run", dry_run=args.dry_run, data_dir=data_dir)
        body = request_body(run, data_dir, dataset)
        port = free_port()
        server = start_server(run, port, args.threads)
        try:
            rss_started = rss_mb(server.pid)
            warm = sequential(port, body, 20)  # first requests pay for lazy imports and allocator growth
            rss_warm = rss_mb(server.pid)
            cpu = cpu_seconds(server.pid)
            single = sequential(port, body, args.requests)
            single["server_cpu_ms_per_request"] = round((cpu_seconds(server.pid) - cpu) * 1000 / args.requests, 2)
            cpu = cpu_seconds(server.pid)
            loaded = load_test(port, body, args.clients, args.seconds, server.pid)
            loaded["server_cpu_ms_per_request"] = round((cpu_seconds(server.pid) - cpu) * 1000 / loaded["requests"], 2)
            rss_end = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    memory = {"rss_started_mb": round(rss_started, 1), "rss_warm_mb": round(rss_warm, 1),
              "rss_end_mb": round(rss_end, 1), "rss_max_during_load_mb": max(loaded["rss_each_second_mb"])}
    targets = {
        "one client's median round trip <= 15 ms": single["median_ms"] <= 15,
        "no request failed under load": loaded["failures"] == 0 and single["failures"] == 0 and warm["failures"] == 0,
        "p99 under load < 10 x its median": loaded["p99_over_median"] < 10,
        "RSS flat: end within 10% of the warmed-up start": rss_end <= 1.1 * rss_warm,
    }
    _common.print_table([{"phase": "one client", **single}, {"phase": f"{args.clients} clients", **{
        k: v for k, v in loaded.items() if k not in ("errors", "clients", "seconds", "rss_each_second_mb")}}])
    print(", ".join(f"{k} {v}" for k, v in memory.items()))
    for target, met in targets.items():
        print(f"{'met ' if met else 'MISSED'}  {target}")
    path = _common.write_json("serve_load", {
        "model": "airline linear window 24 horizon 6" if args.dry_run and not args.run else
        str(args.run or "etth1 cnn_lstm window 96 horizon 24 (1 short epoch)"),
        "request_bytes": len(body), "server_threads": args.threads, "load_average": os.getloadavg(),
        "warm_up": warm, "one_client": single, "load": loaded, "memory": memory, "targets": targets,
    }, dry_run=args.dry_run)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
