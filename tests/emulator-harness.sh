# Shared by tests/interop/run.sh and tests/contract/run.sh (sourced, not run):
# a pinned Python virtual environment and an arr-emulator process that is
# stopped again when the calling script exits.
#
# After `source`: $work is a scratch folder removed on exit; call
# `harness_venv DIR REQUIREMENTS` (sets $venv) and `harness_start_emulator
# ARGS...` (writes $work/emulator.json with the start line and
# $work/emulator.log).

harness_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
emulator_pid=""

harness_venv() {
    venv="$1/.venv"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$2"
}

# ARR_EMULATOR_BIN if set, otherwise the debug build of this checkout.
harness_emulator_binary() {
    if [ -n "${ARR_EMULATOR_BIN:-}" ]; then
        echo "$ARR_EMULATOR_BIN"
        return
    fi
    (cd "$harness_root" && cargo build --quiet -p remote-rendering-emulator --bin arr-emulator)
    local target_dir
    target_dir="$(cd "$harness_root" && cargo metadata --format-version 1 --no-deps \
        | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    echo "$target_dir/debug/arr-emulator"
}

harness_cleanup() {
    if [ -n "${emulator_pid:-}" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -INT "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap harness_cleanup EXIT

harness_start_emulator() {
    local bin
    bin="$(harness_emulator_binary)"
    "$bin" "$@" >"$work/emulator.json" 2>"$work/emulator.log" &
    emulator_pid=$!
    for _ in $(seq 1 300); do
        if [ -s "$work/emulator.json" ]; then return 0; fi
        if ! kill -0 "$emulator_pid" 2>/dev/null; then
            echo "arr-emulator exited early:" >&2
            cat "$work/emulator.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "arr-emulator printed nothing within 30 s" >&2
    exit 1
}
