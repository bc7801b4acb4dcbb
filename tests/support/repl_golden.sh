#!/usr/bin/env bash
# Runs one script-mode golden case: `quarry --mem [ARGS] < CASE.edn` must print CASE.out exactly
# and exit with the status in CASE.status (0 when that file is absent). ARGS come from CASE.args
# (one line) when it exists, e.g. `--format table`.
#
# The command runs in a fresh temporary directory holding a link `data` to the cases' data/
# folder, so a case can `.import data/x.edn` and `.export out.edn` without touching the tree.
# Import summaries carry a wall-clock time: `:seconds <number>` is printed as `:seconds S`.
# Usage: repl_golden.sh QUARRY_BINARY CASE_PATH_WITHOUT_EXTENSION
set -u
quarry=$1 case=$2
case_dir=$(cd "$(dirname "$case")" && pwd)
case="$case_dir/$(basename "$case")"
expected_status=0
[ -f "$case.status" ] && expected_status=$(cat "$case.status")
args=()
[ -f "$case.args" ] && read -r -a args < "$case.args"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$case_dir/data" "$work/data"
actual=$(cd "$work" && "$quarry" --mem "${args[@]}" < "$case.edn" 2>/dev/null)
status=$?
actual=$(printf '%s\n' "$actual" | sed -E 's/:seconds [0-9.eE+-]+/:seconds S/g')
if ! diff <(printf '%s\n' "$actual") "$case.out"; then
  echo "output of $case.edn differs from $case.out (< actual, > expected)"
  exit 1
fi
if [ "$status" != "$expected_status" ]; then
  echo "exit status $status, expected $expected_status"
  exit 1
fi
echo "1 passed, 0 failed"
