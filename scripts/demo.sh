#!/usr/bin/env bash
# make demo: start the Hyper-V simulator on loopback, probe it with the agent, stop everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
workdir=$(mktemp -d)
password="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() { [ -n "${fixture_pid:-}" ] && kill "$fixture_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$workdir"; }
trap cleanup EXIT

WINRM_FIXTURE_PASSWORD="$password" "$BIN/winrm-fixture" simulate --user demo --listen 127.0.0.1:0 >"$workdir/fixture.out" 2>"$workdir/fixture.err" &
fixture_pid=$!
for _ in $(seq 1 100); do [ -s "$workdir/fixture.out" ] && break; sleep 0.05; done
url=$(head -n1 "$workdir/fixture.out")
echo "winrm-fixture simulate listening at $url"

cat >"$workdir/agent.conf" <<CONF
winrm.url = $url
winrm.auth = basic
winrm.username = demo
winrm.allow_unencrypted = true
log.level = warning
CONF
echo
echo "\$ hyperv-agent probe --config agent.conf"
HYPERV_AGENT_WINRM_PASSWORD="$password" "$BIN/hyperv-agent" probe --config "$workdir/agent.conf"
