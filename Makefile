SHELL := /bin/bash
.DEFAULT_GOAL := build
NPM_STAMP := node_modules/.package-lock.json
VITEST_JSON := .build/vitest.json

.PHONY: deps build test test-unit test-subsystem run run-cluster bench image image-scratch clean typecheck forget-test-report fuzz record-fixtures

## deps: Debian packages (host tools, Java for WireMock) and npm packages from the lock file
deps: $(NPM_STAMP)
	@build/install-deps.sh

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

## build: dist/inband (single executable), dist/inband.cjs (bundle), and a symlink per tool name
build: $(NPM_STAMP)
	node build/bundle.mjs

typecheck: $(NPM_STAMP)
	npx tsc --noEmit -p . && npx tsc --noEmit -p src/console

## forget-test-report: a failed type-check or build must never leave the last run's "N passed" line behind
forget-test-report:
	rm -f $(VITEST_JSON)

## test: everything, from a fresh machine: deps, typecheck, build, unit and subsystem suites
test: forget-test-report deps typecheck build
	@mkdir -p .build
	npx vitest run --reporter=default --reporter=json --outputFile.json=$(VITEST_JSON); \
	  rc=$$?; node build/test-summary.mjs $(VITEST_JSON) || rc=1; exit $$rc

test-unit: deps
	npx vitest run --project unit

test-subsystem: deps build
	npx vitest run --project subsystem

## run: the main job on this machine: serve + infra-env + agent on this host, then show what was discovered
run: deps build
	node build/main-job.mjs

## run-cluster: two replicas on a throwaway PostgreSQL, a dry-run agent through each, the hosts as both see them (loopback-only namespace; all removed after)
run-cluster: deps build
	node build/run-cluster.mjs

## fuzz: the hostile-input fuzzers (*.fuzz.test.ts) with a random seed and 20x the CI iterations; the seed is printed
fuzz: deps build
	@seed=$${INBAND_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	  echo "fuzz seed $$seed (replay: INBAND_FUZZ_SEED=$$seed make fuzz)"; \
	  INBAND_FUZZ_SEED=$$seed INBAND_FUZZ_SCALE=$${INBAND_FUZZ_SCALE:-20} npx vitest run --project subsystem fuzz.test

## record-fixtures: re-record the real hosts under test/fixtures/recorded/ (root; HOSTS="netns-bridge" picks some)
record-fixtures: deps build
	node build/record-fixtures.mjs

## bench: benchmarks (medians of several runs)
bench: deps build
	node bench/run.mjs

## image: the container image (needs podman and a reachable base image)
image:
	podman build -t inband:latest -f Dockerfile .

## image-scratch: the FROM-scratch variant, buildable offline (layout only; it cannot run)
image-scratch: build
	rm -rf .build/image-context && mkdir -p .build/image-context/usr/bin
	cp -a dist/. .build/image-context/usr/bin/ && rm .build/image-context/usr/bin/inband.cjs
	podman build -t inband-scratch:latest -f build/scratch.Containerfile .build/image-context

clean:
	rm -rf dist .build
