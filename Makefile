# Makefile for cascade. `make test` is the command CI runs (through .ci/run).

GO       ?= go
FUZZTIME ?= 60s
BIN      := bin

.PHONY: all run build test deps vet fmt-check lint fuzz bench clean console-vendor

all: build

## run: run the server from source
run:
	mkdir -p objs/nginx/html
	$(GO) run ./cmd/cascade

## build: build bin/cascade and bin/cascade-bench
build:
	$(GO) build -o $(BIN)/cascade ./cmd/cascade
	$(GO) build -o $(BIN)/cascade-bench ./cmd/cascade-bench

## deps: install the real peers the tests drive (ffmpeg, rtmpdump, GStreamer, ...)
deps:
	bash scripts/install-test-deps.sh

## console-vendor: copy the console's npm libraries (pinned by internal/console/package-lock.json) into its embedded assets
console-vendor:
	bash scripts/vendor-console.sh

## vet: go vet every package
vet:
	$(GO) vet ./...

## fmt-check: fail listing every Go file that gofmt would change
fmt-check:
	@unformatted="$$(find . -name '*.go' -not -path './.git/*' -not -path './vendor/*' \
		-not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi

## lint: go vet and the gofmt check
lint: vet fmt-check

## test: install test tools, lint, run every test (fuzz seed corpora included), then the
## packages with the data path again under the race detector
RACE_PKGS ?= ./buffer ./live ./netpoll ./server
test: deps lint
	$(GO) test -race=false -count=1 -timeout 20m ./...
	$(GO) test -race -count=1 -timeout 20m $(RACE_PKGS)

## fuzz: run every Fuzz* target in the module for FUZZTIME each (default 60s)
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash scripts/fuzz.sh

## bench: run the Go benchmarks, then a short run of every load mode (bench/modes.sh)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bash bench/modes.sh

## clean: remove build output and test caches
clean:
	rm -rf $(BIN)
	$(GO) clean -testcache
