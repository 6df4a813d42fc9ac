#!/usr/bin/env bash
# Installs the pinned Python-packaged tools (cargo-lambda, cfn-lint, aws-sam-cli) into ./.venv.
# Idempotent: a stamp file records the requirements it was built from, so a second run is instant.
# Safe to run twice at once (test-all's background arm64 job calls it, and so does its lint step
# in the foreground): the second waits for the first's lock, then finds the stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=scripts/requirements-tools.txt
stamp=.venv/.tools-stamp
installed() { [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; }
if installed; then
  exit 0
fi

mkdir -p .venv
exec 9>.venv/.tools-lock
flock 9
if installed; then
  exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "tools.sh: $python not found; install Python 3.9+" >&2; exit 1; }
echo "tools.sh: installing pinned tools into .venv (once)" >&2
"$python" -m venv .venv
# Modules compiled ahead of time, here in the background: with pip's --no-compile, the first
# `sam`, `cfn-lint` and `aws` runs compiled them instead, on test-all's critical path (the
# template lint and the README commands took 44 s and 80 s longer in a fresh-clone run).
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
