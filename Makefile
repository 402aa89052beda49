# journeyproof — the README shows two commands: `make demo` and `make test`.
GO        ?= go
BIN       := bin/journeyproof
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: setup build demo test check bench bench-peers vet rerun-stability reliability corpus

setup:
	scripts/setup

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/journeyproof

# Set-up, then every bundled journey over the whole matrix against the
# built-in sandbox (release "demo"), then the web app on 127.0.0.1:8080.
demo: setup build
	$(BIN) demo

# Set-up, then every test (real Chromium, SQLite, ffmpeg, sandbox on loopback).
test: setup
	$(GO) vet ./...
	$(GO) vet -tags reliability ./reliability/
	$(GO) test -count=1 -timeout 60m ./...

# The quick tier, before each commit: gofmt, vet, staticcheck and every test
# that needs no browser (go test -short: Chromium is never started; SQLite,
# ffmpeg and a private PostgreSQL are). staticcheck runs through the Go
# module proxy at a pinned version (cached after the first run).
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
check:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags reliability ./reliability/
	$(STATICCHECK) ./...
	$(GO) test -short ./...

# Benchmarks; figures go in the README's performance section.
bench: setup build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./journeys/... ./verifier/... ./recordings/... ./cmd/...
	scripts/bench-pixelmatch

# Every corpus variant on every corpus kind (make test checks a rotation:
# 68 of the 189 checks).
corpus: setup
	JOURNEYPROOF_CORPUS_FULL=1 $(GO) test -count=1 -run 'TestCorpusMatchesStatic' -timeout 60m ./cmd/journeyproof

# Re-run stability: 3 clean re-runs of the bundled journeys compared with
# the first (want 0 changed cells), and every sandbox defect's cells
# compared with the first (want every one changed). Takes minutes.
rerun-stability: setup
	$(GO) test -run '^$$' -bench RerunStability -benchtime 1x -timeout 60m ./cmd/journeyproof

# journeyproof beside Playwright on the login journey (6 cells, 2 at a time):
# installs playwright-core from npm into .cache/playwright, prints both times
# and the ratio; figures go in the README's performance section.
bench-peers: setup
	scripts/bench-peers

vet:
	$(GO) vet ./...
	$(GO) vet -tags reliability ./reliability/

# The fault suite (build tag reliability, so `make test` does not run it):
# the built binary as real processes over loopback, faults injected, one
# table of figures printed at the end (the README's reliability section).
reliability: setup
	$(GO) test -tags reliability -count=1 -v ./reliability/ -timeout 20m
