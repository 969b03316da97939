# HyperVAgent — build, test, demo, bench.
# `make test` and `make demo` install what they need (Debian packages) when run as root.

SWIFT ?= swift
APT_PACKAGES := python3-venv libcurl4-openssl-dev libxml2-dev pkg-config openssl curl libssl-dev libkrb5-dev gss-ntlmssp krb5-user krb5-kdc krb5-admin-server faketime
BIN := .build/debug

.PHONY: all deps peers build test demo bench format clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

# Independent peers for the encryption tests (pywinrm, pyspnego from PyPI); offline, those tests are skipped.
peers:
	@[ -x .build-venv/bin/python ] && .build-venv/bin/python -c 'import winrm, spnego' 2>/dev/null || \
	  { python3 -m venv .build-venv && .build-venv/bin/pip install -q pywinrm xmltodict; } || \
	  { rm -rf .build-venv; echo "pywinrm unavailable: the independent-peer tests and the side-by-side are skipped"; }

test: deps peers
	$(SWIFT) build --build-tests
	$(SWIFT) test

demo: build
	@scripts/demo.sh

bench: deps peers
	$(SWIFT) build -c release --product hyperv-bench
	.build/release/hyperv-bench

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

clean:
	rm -rf .build
