#!/usr/bin/env bash
# Runs one script-mode golden case: `quarry --mem < CASE.edn` must print CASE.out exactly and exit
# with the status in CASE.status (0 when that file is absent).
# Usage: repl_golden.sh QUARRY_BINARY CASE_BASENAME
set -u
quarry=$1 case=$2
expected_status=0
[ -f "$case.status" ] && expected_status=$(cat "$case.status")
actual=$("$quarry" --mem < "$case.edn" 2>/dev/null)
status=$?
if ! diff <(printf '%s\n' "$actual") "$case.out"; then
  echo "output of $case.edn differs from $case.out (< actual, > expected)"
  exit 1
fi
if [ "$status" != "$expected_status" ]; then
  echo "exit status $status, expected $expected_status"
  exit 1
fi
echo "1 passed, 0 failed"
