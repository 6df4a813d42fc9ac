#!/usr/bin/env bash
# Instructions per decision of the review engine (10,000-term policy with every language pack,
# the criterion benchmark's messages), counted by valgrind's callgrind: a figure that does not
# change with the machine's speed or load, unlike the criterion timings. Prints a Markdown table
# for shared/ivschat-moderation/BENCHMARKS.md.
#   scripts/decision-instructions.sh [REPEATS]   (default 200 decisions per message)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-200}
command -v valgrind >/dev/null || { echo "decision-instructions: valgrind is missing (Debian: apt-get install valgrind)" >&2; exit 1; }
# The bench profile: release optimisation with symbols kept, so callgrind can find decide().
cargo build --profile bench --locked -q -p ivschat-moderation --example decision_instructions
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
binary="$target_dir/release/examples/decision_instructions"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Instructions inside decide() for N decisions of one message (callgrind's "summary:" line is
# the total of the collected events).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*CompiledProfile*decide' \
    "$binary" "$1" "$2" >/dev/null 2>&1
  sed -nE 's/^summary: ([0-9]+).*/\1/p' "$out"
}
# The first decisions also warm lazily built state (the regex engines' caches): the figure is
# the difference between 2 x REPEATS and REPEATS decisions, divided by REPEATS.
count() {
  local once twice
  once=$(instructions "$1" "$repeats")
  twice=$(instructions "$1" "$((2 * repeats))")
  awk -v a="$once" -v b="$twice" -v n="$repeats" 'BEGIN {printf "%d", (b - a) / n}'
}
printf '| message | 20 cp | 100 cp | 500 cp |\n|---|---|---|---|\n'
for kind in ascii_clean ascii_dirty unicode_clean unicode_dirty; do
  row="| ${kind/_/, } |"
  for cp in 20 100 500; do
    row="$row $(count "${kind}_${cp}cp") |"
  done
  printf '%s\n' "$row"
done
