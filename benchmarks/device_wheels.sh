#!/usr/bin/env bash
# Fetch, into .whl/, the wheels of the app's dependencies that a GPU machine holding only
# PyTorch, timm and onnxruntime lacks (CPython 3.12, x86-64 Linux), for
# benchmarks/device_check.sh to install there without an index. The versions are this
# environment's, so both machines run the same code.
#
#     benchmarks/device_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
names=(pillow-heif pillow-jxl-plugin rawpy imagehash PyWavelets captum platformdirs send2trash)
pins=()
for name in "${names[@]}"; do
    pins+=("$name==$(python3 -c "import importlib.metadata as m; print(m.version('$name'))")")
done
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64; do
    platforms+=(--platform "$p")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp "${platforms[@]}" -d .whl "${pins[@]}"
ls -l .whl
