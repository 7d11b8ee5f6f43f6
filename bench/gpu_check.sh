#!/usr/bin/env bash
# The GPU checks of issue 14 in one call, for a session with one GPU for a few minutes (under 10):
#   1. bench/gpu_throughput.py for the RoBERTa-large-PM-M3 shape and for MiniLM: eager, the toolkit's
#      the fast path (--fast_path true) and static padding, one JSON line each (about 4 minutes on an H200);
#   2. bench/predict_gpu.py (issues 22, 31): run_predict's documents/s on the GPU in each setting that runs there
#      (fp32, bf16) against that setting's bare forward pass, the host beside the model against without, and
#      per setting 2 processes on the GPU against 1 (BERT-base shape, about two minutes);
#   3. the test suite without the slow real-data tests (`pytest -m "not slow"`), with what time is left.
#
# From the project root, with the offline bundle made beforehand on a machine with PyPI
# (`../shared/gpu-offline/prepare.sh .gpu`, see ../shared/gpu-offline/README.md):
#     bash bench/gpu_check.sh
# Everything goes to $OUT (the device tool's folder; else ./gpu_check_out), 9 files: gpu.txt (set-up and
# the machine), throughput_roberta_large.json / .log (the .log ends with a torch.profiler table of 10
# steps of the fast arm), throughput_minilm.json / .log, predict_gpu.json / .log, pytest.log, summary.txt.
# The exit status is 0 when every part finished and passed.
# `bash bench/gpu_check.sh --cpu-smoke` tries part 2 on the CPU with a tiny model and exits (no bundle, no GPU:
# a minute or two), to see that the script runs up to where it needs CUDA.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_check_out}
mkdir -p "$OUT"
if [ "${1:-}" = "--cpu-smoke" ]; then
  ${PYTHON:-python3} bench/predict_gpu.py --device cpu --layers 2 --hidden 64 --documents 40 --rounds 1 \
    --processes "${SMOKE_PROCESSES:-2}" \
    > "$OUT/predict_gpu.json" 2> "$OUT/predict_gpu.log"
  rc=$?
  echo "predict_gpu (cpu smoke): exit $rc" | tee "$OUT/summary.txt"
  tail -n 1 "$OUT/predict_gpu.json"
  exit $rc
fi
BUDGET_S=${GPU_CHECK_BUDGET_S:-570}   # the whole script, setup included
deadline=$((SECONDS + BUDGET_S))
left() { echo $((deadline - SECONDS)); }

if [ ! -f .gpu/setup.sh ]; then
  echo "no .gpu/setup.sh: make the bundle first (../shared/gpu-offline/prepare.sh .gpu)" | tee "$OUT/summary.txt"
  exit 2
fi
# shellcheck disable=SC1091
source .gpu/setup.sh > "$OUT/gpu.txt" 2>&1
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
  python3 -c "import torch, transformers, accelerate; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'transformers', transformers.__version__, 'accelerate', accelerate.__version__, torch.cuda.get_device_name(0))"
  lscpu | grep -E 'Model name|^CPU\(s\)'; } >> "$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"

status=0
run() {  # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  local start=$SECONDS
  timeout "$seconds" "$@"
  local rc=$?
  echo "$name: exit $rc after $((SECONDS - start)) s (limit $seconds s)" | tee -a "$OUT/summary.txt"
  [ $rc -eq 0 ] || status=1
}

run throughput_roberta_large 240 \
  python3 bench/gpu_throughput.py --profile_steps 10 > "$OUT/throughput_roberta_large.json" 2> "$OUT/throughput_roberta_large.log"
tail -c 2000 "$OUT/throughput_roberta_large.json"
run throughput_minilm 90 \
  python3 bench/gpu_throughput.py --model minilm > "$OUT/throughput_minilm.json" 2> "$OUT/throughput_minilm.log"
tail -c 2000 "$OUT/throughput_minilm.json"

run predict_gpu 180 \
  python3 bench/predict_gpu.py --documents 1000 > "$OUT/predict_gpu.json" 2> "$OUT/predict_gpu.log"
tail -c 2000 "$OUT/predict_gpu.json"

remaining=$(($(left) - 10))
if [ "$remaining" -gt 60 ]; then
  run pytest_not_slow "$remaining" \
    python3 -m pytest -q -m "not slow" -p no:cacheprovider --durations=15 > "$OUT/pytest.log" 2>&1
  tail -n 30 "$OUT/pytest.log"
else
  echo "pytest_not_slow: skipped, $remaining s left" | tee -a "$OUT/summary.txt"
  status=1
fi
cat "$OUT/summary.txt"
exit $status
