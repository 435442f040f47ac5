# Build, test and run the remediator. Every tool comes through the Go toolchain at the
# versions pinned in go.mod, so a machine with Go installed needs nothing else.

GO        ?= go
BIN       := bin
BUILDFLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w"
EVENT     ?= events/manual-dry-run.json
FUZZTIME  ?= 10s

# Fuzz targets run for FUZZTIME each by "make fuzz", as package:target pairs.
FUZZ_TARGETS := \
	./pkg/thumbprint:FuzzNormalize \
	./pkg/thumbprint:FuzzParseList \
	./pkg/thumbprint:FuzzParsePEM \
	./pkg/discovery:FuzzIssuerURL \
	./pkg/discovery:FuzzParseDocument

.PHONY: build test lint vet staticcheck unit fuzz demo invoke bench clean FORCE

## build: the function for this machine, bin/bootstrap
build: $(BIN)/bootstrap

$(BIN)/bootstrap: FORCE
	CGO_ENABLED=0 $(GO) build $(BUILDFLAGS) -o $@ ./functions/remediator

# SAM's makefile build method calls this target with ARTIFACTS_DIR set.
build-RemediatorFunction:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(BUILDFLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/remediator

$(BIN)/aws-lambda-rie: go.mod
	$(GO) build -o $@ github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie

## test: formatting, vet, staticcheck, every test with the race detector, bounded fuzzing
test: lint unit fuzz

lint: vet staticcheck
	@unformatted=$$(gofmt -l functions pkg sandbox); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

fuzz:
	@set -e; for pair in $(FUZZ_TARGETS); do \
		pkg=$${pair%%:*}; target=$${pair##*:}; \
		echo "fuzz $$pkg $$target for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## demo: the whole job end to end on loopback, under the Lambda Runtime Interface Emulator
demo: $(BIN)/bootstrap $(BIN)/aws-lambda-rie
	$(GO) run ./sandbox/cmd/demo -bootstrap $(BIN)/bootstrap -rie $(BIN)/aws-lambda-rie -event events/scheduled.json

## invoke: run one event, with sam local invoke where SAM CLI and Docker work, else the emulator
invoke: $(BIN)/bootstrap $(BIN)/aws-lambda-rie
	@if command -v sam >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
		sam build && sam local invoke RemediatorFunction --event $(EVENT); \
	else \
		echo "SAM CLI or Docker not available: running bin/bootstrap under the Lambda Runtime Interface Emulator" >&2; \
		$(GO) run ./sandbox/cmd/demo -bootstrap $(BIN)/bootstrap -rie $(BIN)/aws-lambda-rie -event $(EVENT) -invoke-only; \
	fi

## bench: sweep timings, memory and call counts at N = 10, 100 and 500
bench: $(BIN)/bootstrap $(BIN)/aws-lambda-rie
	$(GO) run ./sandbox/cmd/bench -bootstrap $(BIN)/bootstrap -rie $(BIN)/aws-lambda-rie

clean:
	rm -rf $(BIN) .aws-sam

FORCE:
