#!/usr/bin/env bash
# Runs the tests that exercise threads (the kernel thread pool, parallel GEMM and conv kernels,
# tiled derivatives, the batched swarm, Adam's chunked update) under ThreadSanitizer.
#
#   Scripts/tsan.sh            # the threaded suites
#   Scripts/tsan.sh FILTER     # any `swift test --filter` expression
#
# Builds in debug with -sanitize=thread in its own folder (.build-tsan), so the normal build is
# untouched. Exits non-zero when a test fails or ThreadSanitizer reports a data race.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-ThreadPoolTests|GEMMTests|ConvPoolKernelTests|ReduceLayoutKernelTests|ElementwiseKernelTests|MLPKernelTests|FastDerivativeTests|DifferentiableFunctionTests|ParticleSwarmTests|ClassifierTrainerTests|FitTests|DerivativeObjectiveTests|WorkloadTests|CheckpointTests}"
log="$(mktemp)"
# halt_on_error: the first race fails the run; second_deadlock_stack for readable lock reports.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
set +e
swift test --sanitize=thread --scratch-path .build-tsan --filter "$filter" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
races=$(grep -c "WARNING: ThreadSanitizer" "$log" || true)
echo "tsan: exit status $status, ThreadSanitizer warnings: $races"
rm -f "$log"
[ "$status" -eq 0 ] && [ "$races" -eq 0 ]
