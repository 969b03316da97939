#!/bin/sh
# Entry point for CloudStack's "HyperV" extension (4.21+): hands every action to `hyperv-agent extension`.
#
# Register this file as the extension's path (it must be executable, owned by cloud:cloud and identical on every
# management server), e.g. in place of /usr/share/cloudstack-management/extensions/HyperV/hyperv.py (README). Snapshot and status
# actions run on hyperv-agent; every other action (create, start, stop, reboot, delete, suspend, resume, ...) goes to
# `extension.fallback` in the configuration below -- point it at the stock hyperv.py.
#
# The management server starts an extension with no environment and no working directory, merges stderr into
# stdout and reads stdout only after the process exits: so this script sets what the agent needs, prints nothing
# itself (except one JSON error if the agent is missing), and replaces itself with the agent.
HYPERV_AGENT=${HYPERV_AGENT:-/usr/local/bin/hyperv-agent}
HYPERV_AGENT_CONFIG=${HYPERV_AGENT_CONFIG:-/etc/hyperv-agent/extension.conf}
PATH=/usr/local/bin:/usr/bin:/bin
export HYPERV_AGENT_CONFIG PATH
cd / || exit 1
if [ ! -x "$HYPERV_AGENT" ]; then
    printf '{"status":"error","error":"hyperv-agent is not installed at %s (set HYPERV_AGENT in this wrapper)"}\n' "$HYPERV_AGENT"
    exit 1
fi
exec "$HYPERV_AGENT" extension "$@"
