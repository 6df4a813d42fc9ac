#!/usr/bin/env bash
# The README's first command, tested from the outside:
#   1. ./scripts/run-local comes up (RUN_LOCAL_FUNCTIONS as given; scripts/test-all uses `sam`);
#   2. a second ./scripts/run-local refuses to start, naming the busy port;
#   3. the chat page passes page.test.mjs in headless Chromium (screenshots in target/local-page/);
#   4. 50 chat clients send at the same moment (burst.py): every message is reviewed by the pool
#      of review-handler instances, none gets the fallback, and every process stays up;
#   5. Ctrl-C (SIGINT) stops it and leaves no process and no open port behind.
# Needs `npm ci` in this folder and Debian's chromium (scripts/test-all installs both).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
artifacts=$root/target/local-page
mkdir -p "$artifacts"
log=$artifacts/run-local.log
ports=(4500 4502 4510 4511 4520)

fail() { echo "local-page: $*" >&2; echo "--- run-local output:" >&2; tail -n 80 "$log" >&2 || true; exit 1; }

# Its own session, as a terminal would run it; SIGINT is what Ctrl-C sends. A background job of
# a script starts with SIGINT ignored (and bash cannot trap a signal ignored at its start), so the
# default disposition is restored before run-local is executed, as in a terminal.
setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  scripts/run-local >"$log" 2>&1 </dev/null &
stack=$!
stop_stack() { kill -INT "$stack" 2>/dev/null || true; }
trap stop_stack EXIT

for _ in $(seq 1 1800); do
  grep -q '^run-local: ready' "$log" && break
  kill -0 "$stack" 2>/dev/null || fail "run-local exited before it was ready"
  sleep 1
done
grep -q '^run-local: ready' "$log" || fail "run-local was not ready within 30 minutes"
echo "local-page: the stack is up" >&2

# A second run while one is up: a clear message about the busy port, and nothing started.
set +e
second=$(scripts/run-local 2>&1 </dev/null)
second_status=$?
set -e
[ "$second_status" -ne 0 ] || fail "a second run-local started while one was up"
grep -q 'already in use' <<<"$second" || fail "the second run-local did not name the busy port: $second"
echo "local-page: a second run-local refused: $(head -n 1 <<<"$second")" >&2

status=0
SCREENSHOT_DIR="$artifacts" node --test tests/local-page/page.test.mjs || status=$?
python3 tests/readme/run-commands.py --run-local-log "$log" || status=$?  # every README command, against this stack

# IVS's concurrency: 50 clients at once, in a room of its own (created and deleted by burst.py,
# after the page and the README commands, which read the stack's rooms). Then the stack must
# still be whole: run-local stops everything when one of its processes exits (it checks each
# second), and no process group it started may be gone.
python3 tests/local-page/burst.py --clients 50 || status=$?
sleep 2
kill -0 "$stack" 2>/dev/null || fail "run-local stopped after the burst of 50 messages (one of its processes exited)"
while read -r pgid name; do
  kill -0 -- "-$pgid" 2>/dev/null || fail "$name (process group $pgid) exited during the burst of 50 messages"
done <"$root/.local-run/processes"
echo "local-page: the stack is still up after the burst" >&2

# Ctrl-C, then nothing may be left: no process group run-local started, no open port.
mapfile -t groups < <(cut -d' ' -f1 "$root/.local-run/processes" 2>/dev/null || true)
kill -INT "$stack"
trap - EXIT
for _ in $(seq 1 100); do
  kill -0 "$stack" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$stack" 2>/dev/null && fail "run-local did not stop within 10 s of Ctrl-C"
[ "${#groups[@]}" -gt 3 ] || fail "run-local recorded no processes in .local-run/processes"
for pgid in "${groups[@]}"; do
  if kill -0 -- "-$pgid" 2>/dev/null; then
    fail "process group $pgid ($(ps -o args= -g "$pgid" | head -n 1)) outlived run-local"
  fi
done
for port in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is still open after run-local stopped"
  fi
done
echo "local-page: Ctrl-C stopped all ${#groups[@]} processes; no port left open" >&2
exit "$status"
