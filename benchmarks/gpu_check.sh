#!/usr/bin/env bash
# The GPU check of issue "Scale", sized to fit one device call (under 8 minutes in all).
#
# On the device machine (JAX with CUDA, pytest, pytest-benchmark, no network), from the
# repository root, with the wheel built here and carried in .whl/:
#
#     pip wheel --no-deps -w .whl .          # here
#     bash benchmarks/gpu_check.sh           # there (the device tool: carry [".whl"])
#
# Steps, each under `timeout` and inside one overall budget (FRONTIER_GPU_CHECK_BUDGET,
# default 470 s; a step that no longer fits is skipped and recorded as such):
#   1. preflight: JAX sees a GPU (else exit 2: no GPU results from a CPU);
#   2. pip install --no-deps .whl/*.whl (the tests then import the installed wheel);
#   3. pytest -m gpu on the test files that carry the marker;
#   4. benchmarks/bench_gpu.py at FRONTIER_BENCH_SIZE=gpu, one pytest call per target
#      (sampling, non-dominated 1e7, batched, study 1e6, study 1e8, non-dominated 1e8);
#   5. with the time left and moocore importable: bench_sampling, bench_dominance (m = 3)
#      and bench_hypervolume at GPU sizes.
# Outputs in benchmarks/results/: gpu-pytest-<step>.json (pytest-benchmark --benchmark-json),
# gpu-bench_*-<step>.json (benchmarks/conftest.py: medians, ratios, device, JAX, date) and
# gpu-check-<UTC stamp>.json (device name, JAX version, date, every step's status and time:
# ok, failed, timeout, skipped (no time left) or empty (nothing selected at this size)).
# Exit status: 0 when no step failed or timed out.
#
# Dry run on any machine: FRONTIER_GPU_CHECK_DRY=1 bash benchmarks/gpu_check.sh skips the
# preflight's GPU requirement and the install, runs the tiny sizes (FRONTIER_BENCH_SIZE=tiny)
# and writes into a temporary directory (FRONTIER_BENCH_RESULTS to choose it) instead.
set -u
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
DRY=${FRONTIER_GPU_CHECK_DRY:-0}
BUDGET=${FRONTIER_GPU_CHECK_BUDGET:-470}
START=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$DRY" = "1" ]; then
    SIZE=tiny
    RESULTS=${FRONTIER_BENCH_RESULTS:-$(mktemp -d)}
    PFX=dry
else
    SIZE=gpu
    RESULTS=${FRONTIER_BENCH_RESULTS:-benchmarks/results}
    PFX=gpu
fi
mkdir -p "$RESULTS"
export FRONTIER_BENCH_SIZE=$SIZE FRONTIER_BENCH_RESULTS=$RESULTS
STEPS="$RESULTS/$PFX-check-$STAMP.steps"
: > "$STEPS"
FAILED=0
echo "frontier gpu_check: size=$SIZE results=$RESULTS budget=${BUDGET}s"

# step NAME CAP_SECONDS CMD...: run CMD under timeout min(CAP, time left), record the outcome
step() {
    local name=$1 cap=$2
    shift 2
    local left=$((BUDGET - ($(date +%s) - START) - 10))
    if [ "$left" -lt 20 ]; then
        echo "== $name: skipped (${left}s left)"
        printf '%s\tskipped\t0\t-\n' "$name" >> "$STEPS"
        return 0
    fi
    local t=$((cap < left ? cap : left))
    echo "== $name (timeout ${t}s): $*"
    local t0 rc
    t0=$(date +%s)
    timeout -k 10 "$t" "$@"
    rc=$?
    local dt=$(($(date +%s) - t0))
    local status=ok
    if [ "$rc" -eq 5 ]; then
        status=empty  # pytest: nothing selected at this size
        rc=0
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        status=timeout
        FAILED=$((FAILED + 1))
    elif [ "$rc" -ne 0 ]; then
        status=failed
        FAILED=$((FAILED + 1))
    fi
    echo
    echo "== $name: $status (rc $rc, ${dt}s)"
    printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$dt" "$rc" >> "$STEPS"
    return "$rc"
}

bench() {  # bench NAME CAP FILE [pytest args...]
    local name=$1 cap=$2 file=$3
    shift 3
    FRONTIER_BENCH_TAG=$name step "$name" "$cap" "$PY" -m pytest -q -p no:cacheprovider \
        "$file" --benchmark-json="$RESULTS/$PFX-pytest-$name.json" "$@"
}

# 1. preflight
if [ "$DRY" = "1" ]; then
    step preflight 60 "$PY" -c "import jax; print(jax.__version__, jax.devices())"
else
    step preflight 60 "$PY" -c "
import sys, jax
print(jax.__version__, jax.devices())
sys.exit(0 if jax.default_backend() == 'gpu' else 2)" || {
        echo "frontier gpu_check: JAX sees no GPU; stopping"; exit 2; }
fi

# 2. install the carried wheel
if [ "$DRY" != "1" ]; then
    step install 90 "$PY" -m pip install -q --no-deps --no-index --force-reinstall .whl/*.whl
    step installed 30 "$PY" -c "import frontier; print(frontier.__file__)"
fi

# 3. GPU tests
GPU_TESTS=$(grep -l "mark\.gpu" tests/test_*.py | tr '\n' ' ')
# shellcheck disable=SC2086
step tests 150 "$PY" -m pytest -q -p no:cacheprovider -m gpu $GPU_TESTS \
    --junitxml="$RESULTS/$PFX-tests-$STAMP.xml"

# 4. the targets, most important first
B=benchmarks/bench_gpu.py
bench sampling 60 "$B" -k "test_sampling"
bench nondominated 100 "$B" -k "test_nondominated_3d and not n1e8"
bench batch 60 "$B" -k "test_nondominated_batch"
bench study 60 "$B" -k "test_study and not n1e8"
bench study-1e8 90 "$B" -k "test_study and n1e8"
bench nondominated-1e8 120 "$B" -k "test_nondominated_3d and n1e8"

# 5. the other suites at GPU sizes, in the time left
if "$PY" -c "import moocore" 2>/dev/null; then
    bench suite-sampling 90 benchmarks/bench_sampling.py
    bench suite-dominance 120 benchmarks/bench_dominance.py -k "m3 and (frontier or moocore)"
    bench suite-hypervolume 90 benchmarks/bench_hypervolume.py
else
    echo "== suites: skipped (moocore is not installed)"
    printf 'suites\tskipped\t0\tno moocore\n' >> "$STEPS"
fi

# manifest: device, versions, date, steps
"$PY" - "$STEPS" "$RESULTS/$PFX-check-$STAMP.json" "$SIZE" "$START" <<'PYEOF'
import datetime, json, platform, sys, time
steps_path, out, size, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
import jax
try:
    import frontier
    fver = getattr(frontier, "__version__", "?")
except Exception as e:  # the manifest is written whatever failed
    fver = f"import failed: {e}"
devs = jax.devices()
steps = []
for line in open(steps_path):
    name, status, secs, rc = line.rstrip("\n").split("\t")
    steps.append({"step": name, "status": status, "seconds": int(secs), "rc": rc})
doc = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "size_preset": size,
    "backend": jax.default_backend(),
    "device_kind": devs[0].device_kind,
    "devices": [str(d) for d in devs],
    "jax": jax.__version__,
    "frontier": fver,
    "python": platform.python_version(),
    "total_seconds": int(time.time()) - start,
    "steps": steps,
}
with open(out, "w") as fh:
    json.dump(doc, fh, indent=1)
print("written:", out)
print(json.dumps(doc["steps"]))
PYEOF
rm -f "$STEPS"
echo "frontier gpu_check: done in $(($(date +%s) - START))s; $FAILED step(s) failed;" \
    "results in $RESULTS"
[ "$FAILED" -eq 0 ]
