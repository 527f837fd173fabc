#!/usr/bin/env bash
# bench.sh runs the benchmarks of internal/bench (see BENCHMARKS.md) and
# prints their benchstat tables, with the ratios the targets are about.
#
# Usage: scripts/bench.sh [COUNT] [SET]  (default COUNT: 5, env BENCH_COUNT;
#                                        SET: core (default), ops or issue14)
#
# SET core is the repository's and the backends' benchmarks (`make bench`);
# SET ops the tenant operations' (package ops, issue #12: `make
# bench-ops`), which take about 85 s a round on their own. SET issue14
# (`make bench-14`) is described at the end of this comment.
#
# It compiles the benchmarks once and starts DynamoDB Local (through
# scripts/dynamodb-local.sh, as `make test` does) unless DYNAMODB_ENDPOINT
# is set already. Then it runs the comparisons COUNT times, in rounds of
# one process each: each round runs each benchmark once, and the two sides
# of a comparison (raw and repo; Put and BatchPut) run one right after the
# other, so that drift of a shared machine hits both sides alike. Last, one
# process runs the memory backend's benchmarks COUNT times each (they
# compare sizes, and building 1M items takes long). The raw results go to
# $BENCH_OUT (default: a new temporary folder), one file per family:
#
#   canned.txt   repository vs hand-written SDK code, canned HTTP transport
#   guard.txt    the same Get with and without the tenant guard (package
#                guard) on the client, canned HTTP transport
#   codec.txt    the repository with and without its per-type codec
#                (internal/codec), canned transport and memory backend
#   stub.txt     the same without the SDK: each side's own work
#   local.txt    the same against DynamoDB Local
#   batch.txt    10,000 items: Put each vs BatchPut, BatchGet; DynamoDB Local
#   memory.txt   memory backend at 1k, 100k and 1M items; the ordered-tree
#                yardstick
#   ops.txt      purge and export of 10,000 items of a tenant (package ops
#                vs a hand-written SDK baseline), DynamoDB Local
#   opsmem.txt   export of 10,000 and 100,000 items on the memory backend,
#                with the peak heap
#
# Env: BENCH_TIME (go test -benchtime of BenchmarkCanned and BenchmarkLocal,
# default 1s), BENCH_MEMTIME (of BenchmarkMemory, default 500ms),
# BENCHSTAT (default: benchstat on PATH, else ~/go/bin/benchstat).
#
# SET issue14 compares BenchmarkIssue14 (internal/bench: a repository Get,
# Put and List page of 100 over the canned transport with no observer, with
# tenantotel on no-op providers, and with the limiter) with the repository side of
# BenchmarkCanned at $BENCH_BASE (default 4c3a4bd, the commit before issue
# #14's code), named with=base. It builds the base in a temporary git
# worktree (removed after), then runs the two binaries alternately, COUNT
# rounds of one process each, the first binary of a round alternating,
# -test.benchtime $BENCH_TIME (default here 500ms), and prints
# `benchstat -col /with` (raw results: issue14.txt). It needs no DynamoDB.
# Then, when valgrind is installed and BENCH_IR is not 0, it counts the
# instructions per op of each side (callgrind; instr.txt): wall and CPU time
# wander by several percent on a shared machine, instruction counts do not.
# Each count is (Ir of N2 iterations - Ir of N1) / (N2 - N1), which leaves
# out the process's setup, run with GOGC=off (the collector's work depends
# on when it runs and moves the counts by several percent; what it has to
# do follows B/op, which the time table shows), GOMAXPROCS=1, and
# GODEBUG=memprofilerate=0 (the heap profile's samples, taken at random,
# unwind the stack: 1 to 2% more or less from run to run),
# asyncpreemptoff=1,cpu.rdtscp=off (valgrind 3.19 handles neither the
# preemption signal nor RDTSCP). Counted this way, three runs of one side
# agree within about 0.4%. COUNT 0 skips the time rounds. It takes about
# 15 minutes on 2 cores.
set -euo pipefail

cd "$(dirname "$0")/.."
count=${1:-${BENCH_COUNT:-5}}
set=${2:-core}
case $set in
core | ops | issue14) ;;
*)
	echo "bench.sh: unknown set $set (core, ops or issue14)" >&2
	exit 2
	;;
esac
benchtime=${BENCH_TIME:-1s}
memtime=${BENCH_MEMTIME:-500ms}

if [[ -z "${DYNAMODB_ENDPOINT:-}" && $set != issue14 ]]; then
	exec scripts/dynamodb-local.sh with -- "$0" "$count" "$set"
fi

benchstat=${BENCHSTAT:-$(command -v benchstat || echo "${GOPATH:-$HOME/go}/bin/benchstat")}
out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/tenantrepo-bench.XXXXXX")}
mkdir -p "$out"
bin="$out/bench.test"
start=$SECONDS

log() { printf 'bench: %s\n' "$*" >&2; }

load() { uptime | sed 's/.*load average: *//'; }

section() { printf '\n## %s\n\n' "$1"; }

# ratios FILE BENCHSTAT-ARGS... prints, for each row of benchstat's tables,
# each column's median over the first column's: repo/raw, 1M/1k, ...
ratios() {
	local file=$1
	shift
	printf '\nratios of medians, each column over the first:\n'
	"$benchstat" -format csv "$@" "$file" 2>/dev/null | awk -F, '
		/^,/ {
			if (!hdr) { for (i = 2; i <= NF; i++) col[i] = $i; hdr = 1 }
			else { unit = $2; hdr = 0 }
			next
		}
		$1 == "" || $1 == "geomean" || NF < 4 { next }
		{
			for (i = 4; i <= NF; i += 4)
				if (col[i] != "" && $i != "" && $2 > 0)
					printf "  %-44s %-10s %s/%s = %.3f\n", $1, unit, col[i], col[2], $i / $2
		}'
}

# issue14 runs SET issue14 (see above) and exits.
issue14() {
	local base=${BENCH_BASE:-4c3a4bd} time=${BENCH_TIME:-500ms} wt="$out/base-worktree"
	local basebin="$out/bench-base.test" cols='/with@(base none otel limit)'
	log "machine: $(uname -srm), $(nproc) CPUs; $(go version); load: $(load)"
	git worktree add --detach "$wt" "$base" >/dev/null
	trap "git worktree remove --force '$wt' 2>/dev/null || true" EXIT
	(cd "$wt" && go test -c -o "$basebin" ./internal/bench)
	git worktree remove --force "$wt"
	trap - EXIT
	go test -c -o "$bin" ./internal/bench
	: >"$out/issue14.txt"
	local round
	for round in $(seq 1 "$count"); do
		log "round $round of $count ($((SECONDS - start))s; load: $(load))"
		if ((round % 2)); then
			base14 "$basebin" "$time"
			head14 "$time"
		else
			head14 "$time"
			base14 "$basebin" "$time"
		fi
	done
	if ((count > 0)); then
		section "Issue #14: no observer, tenantotel on no-op providers, the limiter, and no observer over answers without ConsumedCapacity, vs $base (base), canned transport"
		"$benchstat" -col "$cols" "$out/issue14.txt"
		ratios "$out/issue14.txt" -col "$cols"
	fi
	if [[ ${BENCH_IR:-1} == 0 ]] || ! command -v valgrind >/dev/null; then
		log "instruction counts skipped (BENCH_IR=0 or no valgrind); done in $((SECONDS - start))s; raw results in $out"
		return
	fi
	log "instruction counts ($((SECONDS - start))s)"
	: >"$out/instr.txt"
	local op side n1 n2 b a run runs=${BENCH_IR_RUNS:-3} binary bench
	for run in $(seq 1 "$runs"); do
		for op in Get Put Query; do
			n1=200 n2=1200
			if [[ $op == Query ]]; then n1=20 n2=120; fi
			for side in base none otel limit; do
				binary=$bin bench="^BenchmarkIssue14\$/^op=$op\$/^with=$side\$"
				if [[ $side == base ]]; then
					binary=$basebin bench="^BenchmarkCanned\$/^op=$op\$/^impl=repo\$"
				fi
				b=$(irs "$binary" "$bench" "$n1")
				a=$(irs "$binary" "$bench" "$n2")
				printf '%s %s %d\n' "$op" "$side" $(((a - b) / (n2 - n1))) | tee -a "$out/instr.txt" >&2
			done
		done
	done
	section "Issue #14: instructions per op (callgrind, GOGC=off), median of $runs runs (min-max), vs base's median"
	sort -k1,1 -k2,2 -k3,3n "$out/instr.txt" | awk -v runs="$runs" '
		{ k = $1 " " $2; v[k, ++n[k]] = $3; if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
		END {
			for (i = 1; i <= m; i++) {
				k = order[i]; med[k] = v[k, int((n[k] + 1) / 2)]
				split(k, f, " "); if (f[2] == "base") base[f[1]] = med[k]
			}
			split("Get Put Query", ops, " "); split("base none otel limit", sides, " ")
			for (o = 1; o <= 3; o++) for (s = 1; s <= 4; s++) {
				k = ops[o] " " sides[s]
				printf "  %-6s %-6s %10d  (%d-%d)  %+6.2f%%\n", ops[o], sides[s], med[k], v[k, 1], v[k, n[k]], 100 * (med[k] / base[ops[o]] - 1)
			}
		}'
	log "done in $((SECONDS - start))s; raw results in $out"
}

# base14 BIN TIME runs the base's repository side of BenchmarkCanned,
# named as BenchmarkIssue14's with=base.
base14() {
	(cd internal/bench && "$1" -test.run '^$' -test.bench '^BenchmarkCanned$/^op=(Get|Put|Query)$/^impl=repo$' -test.benchtime "$2") |
		sed -E 's#^BenchmarkCanned/op=([A-Za-z]+)/impl=repo#BenchmarkIssue14/op=\1/with=base#' | tee -a "$out/issue14.txt" | grep -E '^(Benchmark|FAIL|panic)' >&2 || true
	failed issue14.txt
}

# head14 TIME runs BenchmarkIssue14.
head14() {
	(cd internal/bench && "$bin" -test.run '^$' -test.bench '^BenchmarkIssue14$' -test.benchtime "$1") |
		tee -a "$out/issue14.txt" | grep -E '^(Benchmark|FAIL|panic)' >&2 || true
	failed issue14.txt
}

# failed FILE stops the script when FILE holds a failure.
failed() {
	if grep -qE '^(FAIL|panic:|--- FAIL)' "$out/$1"; then
		log "benchmark failed; output in $out/$1"
		exit 1
	fi
}

# irs BIN BENCH N prints the instructions (callgrind's Ir) of a process
# that runs BENCH N times.
irs() {
	(cd internal/bench && GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off,memprofilerate=0 \
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" -test.run '^$' -test.bench "$2" -test.benchtime "${3}x" 2>&1 >/dev/null) |
		awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}

if [[ $set == issue14 ]]; then
	issue14
	exit 0
fi

log "machine: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
log "$(go version); load: $(uptime | sed 's/.*load average: *//')"
go test -c -o "$bin" ./internal/bench
: >"$out/canned.txt" >"$out/guard.txt" >"$out/codec.txt" >"$out/stub.txt" >"$out/local.txt" >"$out/memory.txt" >"$out/batch.txt" >"$out/ops.txt" >"$out/opsmem.txt"

# run FILE BENCH [ARG...] runs the benchmark binary once and appends its
# output to FILE (the first round keeps the header lines benchstat reads).
run() {
	local file=$1 bench=$2
	shift 2
	(cd internal/bench && "$bin" -test.run '^$' -test.bench "$bench" -test.count 1 "$@") | tee -a "$out/$file" |
		grep -E '^(Benchmark|FAIL|panic|---)' >&2 || true
	if grep -qE '^(FAIL|panic:|--- FAIL)' "$out/$file"; then
		log "benchmark failed; output in $out/$file"
		exit 1
	fi
}

for round in $(seq 1 "$count"); do
	log "round $round of $count ($((SECONDS - start))s; load: $(load))"
	if [[ $set == core ]]; then
		run canned.txt '^BenchmarkCanned$' -test.benchtime "$benchtime"
		run guard.txt '^BenchmarkCannedGuard$' -test.benchtime "$benchtime"
		run codec.txt '^BenchmarkCodec$' -test.benchtime 500ms
		run stub.txt '^BenchmarkStub$' -test.benchtime 300ms
		run local.txt '^BenchmarkLocal$' -test.benchtime "$benchtime"
		# One op writes or reads 10,000 items: one iteration each.
		run batch.txt '^BenchmarkLocalBatch$' -test.benchtime 1x
	else
		# An iteration purges or exports 10,000 items on each side (raw
		# and ops, alternating which goes first).
		run ops.txt '^BenchmarkLocalOps$/op=export' -test.benchtime 10x
		run ops.txt '^BenchmarkLocalOps$/op=purge' -test.benchtime 2x
	fi
done
if [[ $set == core ]]; then
	# The memory benchmarks compare sizes, not sides, and building their
	# 1M items takes long: one process builds each store once and runs
	# each benchmark COUNT times in a row.
	log "memory backend, $count counts ($((SECONDS - start))s; load: $(load))"
	run memory.txt '^(BenchmarkMemory|BenchmarkOrderedTree)$' -test.benchtime "$memtime" -test.count "$count"
else
	run opsmem.txt '^BenchmarkMemoryExport$' -test.benchtime 3x -test.count "$count"
fi
log "done in $((SECONDS - start))s; load: $(load); raw results in $out"

report() {
	local title=$1 file=$2
	shift 2
	section "$title"
	"$benchstat" "$@" "$file"
	ratios "$file" "$@"
}

if [[ $set == ops ]]; then
	section "Purge and export of 10,000 items of a tenant, package ops vs hand-written SDK code, DynamoDB Local (ops/raw: ratio of items/s, paired)"
	"$benchstat" "$out/ops.txt"
	section "Export of a tenant on the memory backend: peak heap"
	"$benchstat" -col /items "$out/opsmem.txt"
	exit 0
fi
report "Repository vs hand-written SDK code, canned HTTP transport (CPU cost)" "$out/canned.txt" -col /impl
report "The tenant guard on the client: the same Get without and with it, canned HTTP transport" "$out/guard.txt" -col /guard
report "The repository with (fast) and without (attributevalue) its per-type codec" "$out/codec.txt" -col /impl
report "Each side's own work: the same over a stub API, without the SDK" "$out/stub.txt" -col /impl
report "Repository vs hand-written SDK code, DynamoDB Local (throughput ratio = raw/repo time)" "$out/local.txt" -col /impl
report "Memory backend, one tenant, by items" "$out/memory.txt" -filter '/tenants:1' -col /items
report "Memory backend, the same items over 1,000 tenants" "$out/memory.txt" -filter '/tenants:1000' -col /items
report "Yardstick: a lookup in an ordered tree of 1M items, alone" "$out/memory.txt" -filter '.name:OrderedTree' -col /items
report "10,000 items against DynamoDB Local: one Put each, BatchPut, BatchPut with 4 requests in flight; BatchGet" "$out/batch.txt" -col /via
