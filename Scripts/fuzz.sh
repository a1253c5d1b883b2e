#!/usr/bin/env bash
# Fuzzes every file reader with libFuzzer for a bounded time.
#
#   Scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds Fuzz/ (a separate package depending on this one) with -sanitize=fuzzer,address, then runs each
# target (modeljson safetensors modelfile csv npy npz cifar checkpoint) for SECONDS_PER_TARGET (default
# 120) under nice, starting from the seed corpus Fuzz/Corpus/<target>. Inputs that grow coverage go to
# Fuzz/work/corpus/<target>; crashes, timeouts (> 10 s) and out-of-memory inputs (> 2 GB) go to
# Fuzz/work/crashes/<target>/. A summary line per target gives the executions and the findings.
# Keep what it finds as regression tests (see Tests/MaclaurinDataTests/FuzzRegressionTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(modeljson safetensors modelfile csv npy npz cifar checkpoint)
scratch="${FUZZ_SCRATCH:-.build-fuzz}"

nice -n 19 swift build -c release --package-path Fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
binary="$(nice -n 19 swift build -c release --package-path Fuzz --scratch-path "$scratch" --show-bin-path)/maclaurin-fuzz"

status=0
for target in "${targets[@]}"; do
    corpus="Fuzz/work/corpus/$target" crashes="Fuzz/work/crashes/$target" log="Fuzz/work/$target.log"
    mkdir -p "$corpus" "$crashes"
    seeds="Fuzz/Corpus/$target"; [ -d "$seeds" ] || seeds=""
    set +e
    MACLAURIN_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1" \
        nice -n 19 "$binary" "$corpus" $seeds -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    found=$(find "$crashes" -type f | wc -l)
    echo "$target: ${runs:-?} inputs executed, exit $rc, $found finding(s) in $crashes"
    [ "$rc" -ne 0 ] && status=1
done
exit $status
