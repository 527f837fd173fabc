#!/usr/bin/env bash
# gotest.sh runs `go test -v` with the given arguments, keeps the full log in
# $GOTEST_LOG (default: a temporary file), and prints the failures, the
# packages' result lines and, per package, how many tests and subtests
# passed, failed and were skipped, so a CI log shows what ran (for example,
# that the DynamoDB conformance cases ran and none were skipped). Exits with
# go test's status.
set -uo pipefail

log=${GOTEST_LOG:-$(mktemp "${TMPDIR:-/tmp}/gotest.XXXXXX.log")}
go test -v "$@" >"$log" 2>&1
status=$?

# Failures and panics in full, with the lines that explain them.
if [[ $status -ne 0 ]]; then
	grep -E -B2 -A30 -- '--- FAIL|^panic:|^FAIL|build failed|cannot find|\[setup failed\]' "$log" | head -n 400
fi

echo "full log: $log"
awk '
	/^ *--- PASS: / { pass++ }
	/^ *--- FAIL: / { fail++ }
	/^ *--- SKIP: / { skip++; skipped[skip] = $0 }
	/^(ok|FAIL|\?)[ \t]+[^ \t]+/ {
		printf "%-4s %-60s %4d passed, %d failed, %d skipped\n", $1, $2, pass, fail, skip
		for (i = 1; i <= skip && i <= 5; i++) print "       " skipped[i]
		if (skip > 5) print "       ..."
		tp += pass; tf += fail; ts += skip
		pass = fail = skip = 0
	}
	END { printf "%d passed, %d failed, %d skipped\n", tp, tf, ts }
' "$log"
exit $status
