#!/usr/bin/env bash
# Every check that needs a GPU, in one call of a few minutes (written without a GPU; run it in a session that has one).
#
#   1. the CUDA tests: `pytest -k cuda` over tests/test_train.py (a CUDA graph trains like eager) and
#      tests/test_distributed.py (torchrun with nccl, one rank per GPU, every step a CUDA graph, against one process)
#   2. 1-GPU training throughput of throughput.py's reference cnn_lstm on ETTh1, fp32, batch 256 and 1024, with and
#      without cuda_graph (benchmarks/ddp_cpu.py --device cuda, each setting a fresh process), and with 2 or more
#      GPUs the same over 2 processes under torchrun
#   3. the same with cnn_lstm's forecasting recipe (channel-independent), what Forecaster(model="cnn_lstm") trains
#
# The device machine has python3 with torch, pandas, scikit-learn, click, rich, matplotlib and pytest, but neither
# cnnlstm (read from the tree: PYTHONPATH) nor the data mirror. Carry the data it reads, from the repository root:
#
#   echo /.devdata/ >> .git/info/exclude
#   mkdir -p .devdata/ETT .devdata/UCR/GunPoint
#   cp ../shared/data/ETT/ETTh1.csv .devdata/ETT/ && cp ../shared/data/UCR/GunPoint/*.ts .devdata/UCR/GunPoint/
#
# then run `bash benchmarks/gpu_check.sh` with carry [".devdata"] and timeout_s 590. Results land in
# benchmarks/results/ddp_cuda.json and, on the device machine, are copied with the logs to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export CNNLSTM_DATA_DIR="${CNNLSTM_DATA_DIR:-$PWD/.devdata}"
PYTHON="${PYTHON:-python3}"
LOGS="${OUT:-benchmarks/results}"
mkdir -p "$LOGS"
status=0

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
gpus=$("$PYTHON" -c "import torch; print(torch.cuda.device_count())")
"$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"; echo "gpus $gpus"

echo "== 1. CUDA tests"
timeout 240 "$PYTHON" -m pytest -q -rs -k cuda tests/test_train.py tests/test_distributed.py 2>&1 \
    | tee "$LOGS/gpu_pytest.log" || status=1

echo "== 2. throughput, 1 GPU: batch 256 and 1024, cuda_graph off and on"
settings=1x1
if [ "$gpus" -ge 2 ]; then settings=1x1,2x1; fi
timeout 150 "$PYTHON" benchmarks/ddp_cpu.py --device cuda --settings "$settings" --batch-size 256,1024 \
    --cuda-graph off,on --epochs 4 2>&1 | tee "$LOGS/gpu_throughput.log" || status=1
echo "== 3. the same with cnn_lstm's forecasting recipe (channel-independent: 7 series per window)"
timeout 150 "$PYTHON" benchmarks/ddp_cpu.py --device cuda --settings "$settings" --batch-size 256,1024 \
    --cuda-graph off,on --epochs 4 --recipe --name ddp_cuda_recipe 2>&1 | tee "$LOGS/gpu_throughput_recipe.log" \
    || status=1
[ -n "${OUT:-}" ] && cp benchmarks/results/ddp_cuda.json benchmarks/results/ddp_cuda_recipe.json "$OUT/" 2>/dev/null
exit $status
