#!/usr/bin/env bash
# The README's main command: set up, then run the demo on the embedded default
# (embedded NATS JetStream plus the local platform). No cluster, no Docker needed.
# The install (scripts/setup.sh, ~10 s of pip) runs only when .venv is missing or
# pyproject.toml or setup.sh changed since the last install: their hash is stamped in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMP=.venv/.rollouts-install-stamp
digest() {
  if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}
wanted="$(digest pyproject.toml scripts/setup.sh)"
if [ ! -x .venv/bin/rollouts ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
  bash scripts/setup.sh
  printf '%s\n' "$wanted" > "$STAMP"
fi
exec .venv/bin/rollouts demo "$@"
