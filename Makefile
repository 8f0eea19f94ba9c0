# loyalcheck — the two commands a new user needs:
#   make demo   the acceptance run against the embedded sandbox
#   make test   the whole test suite
GO      ?= go
BIN     := bin/loyalcheck
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build demo demo-distributed test test-short race vet fmt docs tools bench bench-load bench-compare fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/loyalcheck

# The acceptance run against the embedded sandbox: contract suite, 30 s of
# the checkout scenario with the ledger audit, thresholds, every report.
demo: build
	./$(BIN) accept

# A distributed run on this machine, as Kubernetes would run it: a
# sandbox on a loopback port, 'plan' for 3 shards, the 3 shard processes
# (JOB_COMPLETION_INDEX set as an Indexed Job sets it), then 'merge' with
# one ledger audit. Everything lands in DEMO_DIR.
DEMO_DIR ?= demo-distributed
demo-distributed: build
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@set -e; export LOYALCHECK_APIKEY=sandbox-local-key; \
	./$(BIN) sandbox --addr 127.0.0.1:0 --db '' --fixtures-out $(DEMO_DIR)/fixtures.json > $(DEMO_DIR)/sandbox.log 2>&1 & sb=$$!; \
	trap 'kill $$sb 2>/dev/null' EXIT; \
	for i in $$(seq 50); do grep -q '^listening on' $(DEMO_DIR)/sandbox.log && break; sleep 0.1; done; \
	url=$$(sed -n 's/^listening on //p' $(DEMO_DIR)/sandbox.log); \
	./$(BIN) plan --shards 3 --target $$url --fixtures $(DEMO_DIR)/fixtures.json --scenario hold-contention \
		--rate 60/1s --duration 10s --start-in 3s --out $(DEMO_DIR); \
	pids=; for i in 0 1 2; do JOB_COMPLETION_INDEX=$$i ./$(BIN) load --plan $(DEMO_DIR)/plan.json & pids="$$pids $$!"; done; \
	for p in $$pids; do wait $$p; done; \
	./$(BIN) merge $(DEMO_DIR)

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

# The rule catalogue as Markdown and the OpenAPI 3.1 description; a test
# fails while either is stale.
docs:
	$(GO) run ./cmd/loyalcheck rules --format md > docs/rules.md
	$(GO) run ./cmd/loyalcheck schemas --openapi --out docs/openapi.yaml

# The npm tools that check docs/openapi.yaml independently (@redocly/cli
# lint, @stoplight/prism-cli proxy), at the versions pinned by
# tools/npm/package-lock.json, into bin/npm-tools, where the tests look for
# them (they install them there themselves when npm is present).
NPM_TOOLS := bin/npm-tools
tools:
	mkdir -p $(NPM_TOOLS)
	cp tools/npm/package.json tools/npm/package-lock.json $(NPM_TOOLS)/
	npm ci --prefix $(NPM_TOOLS) --no-audit --no-fund --loglevel=error

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

# CPU per request of `loyalcheck load` (validation on and off) against raw
# `vegeta attack` at the same rate on the same target: RATE, DURATION, ROUNDS.
bench-load:
	bench/bench-load.sh

# How often `loyalcheck compare` flags pairs of runs of one build, or
# catches a delay on one endpoint: PAIRS, DELAY (e.g. recalc=8ms),
# SCENARIO, RATE, DURATION, COMPARE_FLAGS.
bench-compare:
	bench/compare-noise.sh

# Every fuzz target, PACKAGE:TARGET, one per line of this list. `go test
# -fuzz` takes one target per run, so they are fuzzed one after another,
# each for FUZZTIME. Plain `go test` already replays their seed corpora
# (testdata/fuzz/). A failing input is written to the package's
# testdata/fuzz/TARGET/ and fails the run.
FUZZ_TARGETS := \
	./api:FuzzParseFixtures \
	./api:FuzzParseErrorBody \
	./scenarios:FuzzParse \
	./load:FuzzParseThreshold \
	./load:FuzzJudgeStep \
	./compare:FuzzParseThreshold \
	./contract:FuzzObserveAnswer \
	./reports:FuzzDecodeRecord \
	./sandbox:FuzzRequest \
	./schemas:FuzzResponse
FUZZTIME ?= 30s
# Minimizing each new interesting input (60 s by default) would eat a
# short run; a crasher is still minimized, within this bound.
FUZZMINIMIZETIME ?= 3s

fuzz:
	@set -e; for pt in $(FUZZ_TARGETS); do \
		pkg=$${pt%%:*}; target=$${pt#*:}; \
		echo "fuzz $$pkg $$target for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
	done

clean:
	rm -rf bin

# The HTML report of a demo run (an accept run against a sandbox with
# faults, so every section has something to show) and a PNG of its first
# 4000 pixels: bin/report-demo/{run.json,report.html,report.png,...}.
REPORT_DEMO := bin/report-demo
CHROMIUM    ?= chromium
.PHONY: report-screenshot
report-screenshot:
	$(GO) test -count=1 -run '^TestWriteDemo$$' ./reports/ -args -demo-dir=$(CURDIR)/$(REPORT_DEMO)
	rm -rf $(REPORT_DEMO)/.chromium
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir=$(CURDIR)/$(REPORT_DEMO)/.chromium \
		--proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
		--hide-scrollbars --window-size=1280,4000 \
		--screenshot=$(CURDIR)/$(REPORT_DEMO)/report.png file://$(CURDIR)/$(REPORT_DEMO)/report.html 2>/dev/null
	rm -rf $(REPORT_DEMO)/.chromium
	@echo "wrote $(REPORT_DEMO)/report.png"
