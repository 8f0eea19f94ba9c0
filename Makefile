# loyalcheck — the two commands a new user needs:
#   make demo   the acceptance run against the embedded sandbox
#   make test   the whole test suite
GO      ?= go
BIN     := bin/loyalcheck
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build demo test test-short race vet fmt bench bench-load clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/loyalcheck

demo: build
	./$(BIN) sandbox --help >/dev/null
	@echo "demo: the acceptance run is not built yet"

# The whole suite: vet, then every test with the race detector on.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 12m ./...

test-short:
	$(GO) test -short -count=1 ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

# CPU per request of `loyalcheck load` (validation on and off) against raw
# `vegeta attack` at the same rate on the same target: RATE, DURATION, ROUNDS.
bench-load:
	bench/bench-load.sh

clean:
	rm -rf bin
