#!/usr/bin/env bash
# The CUDA path, checked on a machine with a GPU, in one run:
#   1. the tests that need CUDA (tests/core/ml/inference/test_cuda_backend.py) and the
#      scorer, look and scan tests beside them;
#   2. `dropletcleaner scan --device cuda` on the demo folder, against the same scan on the
#      CPU: every photo's score, flag and error compared;
#   3. the first-scan throughput of 12 MP JPEGs on cuda (benchmarks/scan_throughput.py).
# Such a machine may be offline and hold PyTorch but none of the app's other dependencies:
# wheels in .whl/ (benchmarks/device_wheels.sh fetches them on a machine with an index) are
# installed from there, without one. Results and logs go to OUT_DIR.
#
#     benchmarks/device_check.sh OUT_DIR [PHOTO_COUNT]
#
# DEVICE=cpu runs the same steps on the CPU, to try the script itself on a machine without one.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: benchmarks/device_check.sh OUT_DIR [PHOTO_COUNT]}
count=${2:-200}
device=${DEVICE:-cuda}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 QT_QPA_PLATFORM=offscreen
work=$(mktemp -d)
export DROPLETCLEANER_DATA="$work/data" DROPLETCLEANER_CACHE="$work/cache"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$work/site" .whl/*.whl || { echo "installing .whl/ failed"; exit 2; }
    export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! python3 -c "import dropletcleaner.resources" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-build-isolation -e . \
        || { echo "installing the app failed"; exit 2; }
fi
status=0

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
    | tee -a "$out/gpu.txt"

echo "== 1. tests"
python3 -m pytest -p no:cacheprovider -o addopts="" -q -ra \
    tests/core/ml/inference tests/core/library/test_scan.py 2>&1 | tee "$out/tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== 2. scan on $device against the cpu"
python3 -m dropletcleaner demo "$work/demo" >/dev/null || status=1
for run in cpu "$device"; do
    python3 -m dropletcleaner scan "$work/demo" --device "$run" --quiet \
        --catalog "$work/$run-$RANDOM.db" --json --report "$out/scan-$run.json" \
        2>&1 | tee "$out/scan-$run.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
python3 - "$out/scan-cpu.json" "$out/scan-$device.json" <<'PY' 2>&1 | tee "$out/scan-compare.txt" \
    || status=1
import json, sys
cpu, gpu = ({r["path"]: r for r in json.load(open(p))["rows"]} for p in sys.argv[1:3])
assert cpu.keys() == gpu.keys(), "the two scans found different files"
worst, flips = 0.0, 0
for path, c in cpu.items():
    g = gpu[path]
    assert bool(c["error"]) == bool(g["error"]), f"{path}: read on one device only"
    if c["droplet_score"] is not None:
        worst = max(worst, abs(c["droplet_score"] - g["droplet_score"]))
        flips += c["flagged"] != g["flagged"]
print(f"{len(cpu)} files: largest score difference {worst:.4f}, flags that differ {flips}")
sys.exit(0 if worst < 0.02 and flips == 0 else 1)
PY

echo "== 3. first-scan throughput on $device"
python3 benchmarks/scan_throughput.py --count "$count" --baseline-count 32 --device "$device" \
    --workdir "$work/bench" 2>&1 | tee "$out/throughput.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "device check: $([ $status -eq 0 ] && echo passed || echo FAILED), logs in $out"
exit $status
