#!/usr/bin/env bash
# Runs the official Azure Remote Rendering Python SDK against arr-emulator
# over TLS. Usage: tests/interop/run.sh
#
# Creates tests/interop/.venv with pinned packages, starts the emulator
# (ARR_EMULATOR_BIN if set, otherwise builds it with cargo), runs
# interop.py and stops the emulator again. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../emulator-harness.sh
source "$here/../emulator-harness.sh"

harness_venv "$here" "$here/requirements.txt"
# Short but realistic durations; page size 2 makes the SDK follow @nextLink.
harness_start_emulator --tls --ca-cert-path "$work/ca.pem" \
    --session-startup 2s --conversion-duration 3s --page-size 2

# The SDK's STS client ignores connection_verify; requests honours this.
export REQUESTS_CA_BUNDLE="$work/ca.pem"
status=0
"$venv/bin/python" "$here/interop.py" "$work/emulator.json" || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- emulator log ---" >&2
    tail -n 50 "$work/emulator.log" >&2
fi
exit "$status"
