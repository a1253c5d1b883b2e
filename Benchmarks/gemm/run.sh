#!/bin/bash
# Benchmarks Maclaurin's GEMM against numpy on the same machine, shape by shape, alternating
# the two so that both see the same machine load. Usage (from the package root):
#   bash Benchmarks/gemm/run.sh [threads] [scratch path] [M,N,K ...]
set -euo pipefail
THREADS=${1:-$(nproc)}
SCRATCH=${2:-.build}
shift $(( $# < 2 ? $# : 2 ))
SHAPES=("$@")
[ ${#SHAPES[@]} -gt 0 ] || SHAPES=(256,256,256 1024,1024,1024 2048,2048,2048 1024,64,64 4096,64,64 64,32,288)
HERE=$(cd "$(dirname "$0")" && pwd)
swift build -c release --scratch-path "$SCRATCH" --target CMaclaurinKernels >/dev/null
OBJ=$(find "$SCRATCH" -path '*release/CMaclaurinKernels.build' -type d | head -1)
BIN=$(mktemp -d)/bench_gemm
cc -O2 -I Sources/CMaclaurinKernels/include "$HERE/bench_gemm.c" "$OBJ"/*.o -o "$BIN" -lpthread -lm
for dtype in s d; do
  for shape in "${SHAPES[@]}"; do
    IFS=, read -r M N K <<< "$shape"
    if python3 -c 'import numpy' 2>/dev/null; then
      OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS python3 "$HERE/bench_numpy.py" "$M" "$N" "$K" "$dtype"
    fi
    "$BIN" "$M" "$N" "$K" "$dtype" "$THREADS"
  done
done
