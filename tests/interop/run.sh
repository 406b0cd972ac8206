#!/usr/bin/env bash
# Runs the official Azure Remote Rendering Python SDK against arr-emulator
# over TLS. Usage: tests/interop/run.sh
#
# Creates tests/interop/.venv with pinned packages, starts the emulator
# (ARR_EMULATOR_BIN if set, otherwise builds it with cargo), runs
# interop.py and stops the emulator again. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

if [ -n "${ARR_EMULATOR_BIN:-}" ]; then
    bin="$ARR_EMULATOR_BIN"
else
    (cd "$root" && cargo build --quiet -p remote-rendering-emulator --bin arr-emulator)
    target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
        | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    bin="$target_dir/debug/arr-emulator"
fi

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -INT "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Short but realistic durations; page size 2 makes the SDK follow @nextLink.
"$bin" --tls --ca-cert-path "$work/ca.pem" \
    --session-startup 2s --conversion-duration 3s --page-size 2 \
    >"$work/emulator.json" 2>"$work/emulator.log" &
emulator_pid=$!

for _ in $(seq 1 300); do
    if [ -s "$work/emulator.json" ]; then break; fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "arr-emulator exited early:" >&2
        cat "$work/emulator.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$work/emulator.json" ]; then
    echo "arr-emulator printed nothing within 30 s" >&2
    exit 1
fi

# The SDK's STS client ignores connection_verify; requests honours this.
export REQUESTS_CA_BUNDLE="$work/ca.pem"
status=0
"$venv/bin/python" "$here/interop.py" "$work/emulator.json" || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- emulator log ---" >&2
    tail -n 50 "$work/emulator.log" >&2
fi
exit "$status"
