#!/usr/bin/env bash
# The README's main command: set up, then run the demo on the embedded default
# (embedded NATS JetStream plus the local platform). No cluster, no Docker needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/rollouts demo "$@"
