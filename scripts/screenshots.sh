#!/usr/bin/env bash
# Take the README screenshots from the real binary, driven through tmux.
#
#   bash scripts/screenshots.sh
#
# Builds nothing: set CONCLAVE_BIN to the binary to use (default target/release/conclave, or
# target/debug/conclave when there is no release build). Runs offline (`conclave demo`) with a
# throw-away data dir and config dir, captures each screen with `tmux capture-pane -e` (colours
# kept) and renders it with scripts/ansi_to_png.py into screenshots/*.png.
# Needs tmux, python3 and Pillow (installed with pip when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ -n "${CONCLAVE_BIN:-}" ]]; then
    BIN="$CONCLAVE_BIN"
elif [[ -x target/release/conclave ]]; then
    BIN=target/release/conclave
else
    BIN=target/debug/conclave
fi
[[ "$BIN" == /* ]] || BIN="$ROOT/$BIN"
if [[ ! -x "$BIN" ]]; then
    echo "screenshots: no binary at $BIN (build it, or set CONCLAVE_BIN)" >&2
    exit 1
fi
command -v tmux >/dev/null || { echo "screenshots: tmux is needed" >&2; exit 1; }
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import PIL' 2>/dev/null; then
    echo "screenshots: installing Pillow" >&2
    "$PY" -m pip install --quiet pillow
fi

COLS=160
ROWS=45
OUT="$ROOT/screenshots"
mkdir -p "$OUT"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/conclave-shots.XXXXXX")"
export CONCLAVE_DATA_DIR="$TMP/data"
export XDG_CONFIG_HOME="$TMP/config"
mkdir -p "$CONCLAVE_DATA_DIR" "$XDG_CONFIG_HOME"

TERM_INSIDE=screen-256color
if infocmp tmux-256color >/dev/null 2>&1; then TERM_INSIDE=tmux-256color; fi
cat >"$TMP/tmux.conf" <<EOF
set -g status off
set -g remain-on-exit on
set -g default-terminal "$TERM_INSIDE"
set -g history-limit 0
EOF

T=(tmux -L conclave-shots -f "$TMP/tmux.conf")
SESSION=shot

cleanup() {
    "${T[@]}" kill-server 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
"${T[@]}" kill-server 2>/dev/null || true

log() { echo "screenshots: $*" >&2; }

# start CMD...: a fresh session running CMD in a COLS x ROWS pane.
start() {
    "${T[@]}" kill-session -t "$SESSION" 2>/dev/null || true
    local cmd
    cmd="$(printf '%q ' env "CONCLAVE_DATA_DIR=$CONCLAVE_DATA_DIR" "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" \
        COLORTERM=truecolor LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@")"
    "${T[@]}" new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" "$cmd"
}

screen() { "${T[@]}" capture-pane -p -t "$SESSION"; }
keys() { "${T[@]}" send-keys -t "$SESSION" "$@"; }
dead() { [[ "$("${T[@]}" display-message -p -t "$SESSION" '#{pane_dead}')" == 1 ]]; }

# wait_for REGEX [SECONDS] [LINE]: poll the screen (or only its first/last line: LINE=first|last)
# until REGEX matches.
wait_for() {
    local re="$1" secs="${2:-20}" which="${3:-all}" i
    for ((i = 0; i < secs * 5; i++)); do
        local s
        s="$(screen)"
        case "$which" in
            first) s="$(head -n 1 <<<"$s")" ;;
            last) s="$(tail -n 1 <<<"$s")" ;;
        esac
        if grep -Eq -- "$re" <<<"$s"; then return 0; fi
        if dead; then break; fi
        sleep 0.2
    done
    log "timed out waiting for /$re/; the screen was:"
    screen >&2
    exit 1
}

# shot NAME [ansi_to_png options]: capture the pane with its colours and render it.
shot() {
    local name="$1"
    shift
    "${T[@]}" capture-pane -e -p -t "$SESSION" >"$TMP/$name.ans"
    "$PY" "$ROOT/scripts/ansi_to_png.py" "$TMP/$name.ans" "$OUT/$name.png" \
        --cols "$COLS" --rows "$ROWS" "$@"
    log "wrote screenshots/$name.png ($(du -k "$OUT/$name.png" | cut -f1) KB)"
}

# quit: q, and y when conclave asks to confirm; wait for the process to end.
quit() {
    keys q
    local i
    for ((i = 0; i < 50; i++)); do
        dead && return 0
        if screen | grep -Eq 'Quit while|y yes · n no'; then keys y; fi
        sleep 0.2
    done
    log "conclave did not quit"
    screen >&2
    exit 1
}

# --- the demo: main screen, diff review, metrics -----------------------------------------
log "using $BIN"
start "$BIN" demo --dir "$TMP/calc"
wait_for 'plan of 4 tasks' 30
sleep 1
keys a
wait_for '[1-9] running' 20 last
sleep 1.5
shot main

keys 4
wait_for '^@@|▶ @@' 20
keys z
wait_for '^─ Diff' 5 first
sleep 0.3
shot diff-review
keys z

# Approve whatever comes until the run is finished.
for ((i = 0; i < 120; i++)); do
    if screen | tail -n 1 | grep -q finished; then break; fi
    keys a
    sleep 1
done
wait_for 'finished' 5 last

keys 5
keys z
wait_for '^─ Metrics' 5 first
sleep 0.3
shot metrics
keys z
quit

# --- replay ------------------------------------------------------------------------------
RUN_ID="$("$BIN" runs --json | "$PY" -c 'import json,sys; runs=json.load(sys.stdin); print(max(runs, key=lambda r: r["started_at_ms"])["id"])')"
log "replaying run $RUN_ID"
start "$BIN" replay "${RUN_ID:0:10}" --speed 100
wait_for 'RunFinished' 60
# Back to the middle of the run (eight twentieths from the end), then to the next decision.
for ((i = 0; i < 8; i++)); do keys '{'; sleep 0.1; done
keys '>'
wait_for 'Approval(Requested|Decided)|GateResult|MergeResult' 10
sleep 0.5
shot replay
quit

# --- home: the runs browser ----------------------------------------------------------------
start "$BIN" --repo "$TMP/calc"
wait_for 'run\(s\) of this repository' 20
sleep 0.3
shot home
quit

# --- light theme -------------------------------------------------------------------------
# A demo run with `--config FILE` setting the light theme, captured after the plan is approved.
# If this build's demo does not apply the file's theme (the light theme paints every cell with
# its base colour #fafafa), the same recorded run is replayed with --config instead.
printf '[ui]\ntheme = "light"\n' >"$TMP/light.toml"
LIGHT_BG='48;2;250;250;250'
start "$BIN" demo --dir "$TMP/calc-light" --config "$TMP/light.toml"
wait_for 'plan of 4 tasks' 30
sleep 1
keys a
wait_for '[1-9] running' 20 last
sleep 1.5
if "${T[@]}" capture-pane -e -p -t "$SESSION" | grep -q "$LIGHT_BG"; then
    shot light-theme --bg '#fafafa' --fg '#383a42'
    quit
else
    quit
    log "the demo did not apply the theme from --config; replaying run $RUN_ID with it instead"
    start "$BIN" replay "${RUN_ID:0:10}" --speed 1 --config "$TMP/light.toml"
    wait_for '[1-9] running · [1-9] waiting' 60 last
    sleep 0.5
    shot light-theme --bg '#fafafa' --fg '#383a42'
    quit
fi

log "done"
