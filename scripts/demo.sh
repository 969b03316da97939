#!/usr/bin/env bash
# make demo: with no configuration, start the Hyper-V simulator and the agent's CloudStack channel on loopback,
# post a CloudStack VM-snapshot session exactly as the management server does, print each answer and the
# resulting checkpoint tree, then stop everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug
SAMPLES=Tests/CloudStackTests/Commands
work=$(mktemp -d)
password="demo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

first_line() { for _ in $(seq 1 200); do [ -s "$1" ] && { head -n1 "$1"; return; }; sleep 0.05; done; echo "timed out waiting for $1" >&2; cat "${1%.out}.err" >&2; exit 1; }

# The simulated host is a Windows host in its default state: HTTP listener, Negotiate only (no Basic), and
# AllowUnencrypted=false — every message must be sealed. Its account database holds one NTLM account.
printf 'DEMO:demo:%s\n' "$password" >"$work/host-users"
"$BIN/winrm-fixture" simulate --listen 127.0.0.1:0 --job-delay-ms 150 \
  --ntlm-users "$work/host-users" --require-encryption --offer Negotiate,Kerberos \
  >"$work/fixture.out" 2>"$work/fixture.err" &
pids+=($!)
winrm=$(first_line "$work/fixture.out")

# CloudStack's C# Hyper-V agent, played on loopback: it destroys the VM on every stop and re-creates it on start.
"$BIN/winrm-fixture" legacy-agent --host "$winrm" >"$work/legacy.out" 2>"$work/legacy.err" &
pids+=($!)
legacy=$(first_line "$work/legacy.out")

cat >"$work/agent.conf" <<CONF
winrm.url = $winrm
agent.upstream = $legacy
winrm.auth = negotiate
winrm.username = DEMO\demo
agent.listen = 127.0.0.1:0
agent.state_dir = $work/state
log.level = warning
CONF
export HYPERV_AGENT_WINRM_PASSWORD="$password"
"$BIN/hyperv-agent" serve --config "$work/agent.conf" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
channel=$(first_line "$work/serve.out")
echo "winrm-fixture simulate (a Hyper-V host) at $winrm"
echo "hyperv-agent serve (CloudStack's channel)   at $channel"
echo "winrm-fixture legacy-agent (the C# agent)   at $legacy (agent.upstream)"
echo
echo "### 0. how the agent reaches the host (hyperv-agent probe)"
"$BIN/hyperv-agent" probe --config "$work/agent.conf" | grep -E '^(authentication|messages|round trips):'

pretty() { if command -v python3 >/dev/null; then python3 -m json.tool; else cat; echo; fi; }

# Bodies exactly as the management server sends them (GSON, bare object), derived from the shared samples.
disk=i-2-17-VM_VS_20261127120000
memory=i-2-17-VM_VS_20261127123000
sed "s/\"snapshotName\":\"$disk\",\"type\":\"Disk\"/\"snapshotName\":\"$disk\",\"type\":\"Disk\"/" "$SAMPLES/create.json" >"$work/create-disk.json"
sed "s/\"snapshotName\":\"$disk\",\"type\":\"Disk\"/\"snapshotName\":\"$memory\",\"type\":\"DiskAndMemory\"/" "$SAMPLES/create.json" >"$work/create-memory.json"
sed "s/\"snapshotName\":\"i-2-17-VM_VS_20261127101500\",\"type\":\"Disk\"/\"snapshotName\":\"$disk\",\"type\":\"Disk\"/" "$SAMPLES/revert.json" >"$work/revert.json"
sed "s/\"snapshotName\":\"i-2-17-VM_VS_20261127101500\",\"type\":\"Disk\"/\"snapshotName\":\"$memory\",\"type\":\"DiskAndMemory\"/" "$SAMPLES/delete.json" >"$work/delete.json"

post() { # title, command class, body file
  echo
  echo "### $1"
  echo "POST $channel/$2"
  curl -sS -k -X POST -H 'content-type: application/json' --data-binary "@$3" "$channel/$2" | pretty
}
post "1. disk checkpoint (quiesced) of running VM i-2-17-VM" com.cloud.agent.api.CreateVMSnapshotCommand "$work/create-disk.json"
post "2. disk-and-memory checkpoint" com.cloud.agent.api.CreateVMSnapshotCommand "$work/create-memory.json"
post "3. revert to the disk checkpoint (VM ends off)" com.cloud.agent.api.RevertToVMSnapshotCommand "$work/revert.json"
post "4. delete the memory checkpoint (its disks merge)" com.cloud.agent.api.DeleteVMSnapshotCommand "$work/delete.json"

echo
echo "### checkpoint tree of i-2-17-VM now (hyperv-agent checkpoints tree i-2-17-VM)"
"$BIN/hyperv-agent" checkpoints tree i-2-17-VM --config "$work/agent.conf"

# CloudStack stops and starts the VM. The C# agent would destroy it, checkpoints and all; serve keeps it.
LIFECYCLE=Tests/AgentServerTests/Commands
post "5. CloudStack stops the VM (StopCommand): kept off with its checkpoints, configuration exported" \
  com.cloud.agent.api.StopCommand "$LIFECYCLE/stop.json"
echo
echo "### hyperv-agent checkpoints list i-2-17-VM"
"$BIN/hyperv-agent" checkpoints list i-2-17-VM --config "$work/agent.conf" | head -n 4
post "6. CloudStack starts it (StartCommand): restored, started, then the C# agent finds it running" \
  com.cloud.agent.api.StartCommand "$LIFECYCLE/start.json"
post "7. revert to the oldest checkpoint after the stop/start: it is still there" \
  com.cloud.agent.api.RevertToVMSnapshotCommand "$SAMPLES/revert.json"

# The CloudStack 4.21+ extension entry point: the management server writes a payload file and runs
# `<entry point> <action> <payload file> <wait>`; the answer is one JSON object on stdout.
payload() { # action, parameters (JSON object or empty)
  cat <<JSON
{"action":"$1","externaldetails":{"host":{"url":"$winrm","username":"DEMO\\\\demo","password":"$password","verify_tls_certificate":"false"}},"virtualmachinename":"i-2-18-VM","cloudstack.vm.details":{"name":"i-2-18-VM","cpus":1,"minRam":1073741824}${2:+,\"parameters\":$2}}
JSON
}
extension_run() { # title, action, parameters
  echo
  echo "### extension: $1"
  payload "$2" "$3" >"$work/payload.json"
  echo "\$ hyperv-agent extension $2 payload.json 60"
  set +e
  HYPERV_AGENT_WINRM_PASSWORD= "$BIN/hyperv-agent" extension "$2" "$work/payload.json" 60 --config "$work/agent.conf"
  echo "(exit $?)"
  set -e
}
extension_run "8. snapshot named with shell and PowerShell metacharacters (stored verbatim)" CreateSnapshot '{"snapshot_name":"nightly \"$(Stop-Computer)\" `; rm -rf /"}'
extension_run "9. list the VM's snapshots (always an array)" ListSnapshots ""
extension_run "10. power state of every VM on the host" statuses ""

echo
echo "stopping: demo done"
