# The project's checks. `make test` is what CI runs (.ci/run).
GO ?= go
GOFLAGS_TEST ?= -race

.PHONY: test fmt-check vet unit thirdparty demo

test: fmt-check vet unit thirdparty

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd examples/thirdparty && $(GO) vet ./...

unit:
	$(GO) test $(GOFLAGS_TEST) ./...

# A module outside this one that adds an entity type and a backend, and runs
# the conformance suite against it.
thirdparty:
	cd examples/thirdparty && $(GO) test $(GOFLAGS_TEST) ./...

demo:
	$(GO) run ./cmd/demo
