#!/usr/bin/env bash
# Installs the pinned Python-packaged tools (cargo-lambda, cfn-lint, aws-sam-cli) into ./.venv.
# Idempotent: a stamp file records the requirements it was built from, so a second run is instant.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=scripts/requirements-tools.txt
stamp=.venv/.tools-stamp
if [ -f "$stamp" ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "tools.sh: $python not found; install Python 3.9+" >&2; exit 1; }
echo "tools.sh: installing pinned tools into .venv (once)" >&2
"$python" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
