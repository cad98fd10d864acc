#!/usr/bin/env bash
# Runs one of the node test scripts in tests/sentry/node, after checking that
# node and the npm test peers are installed. A missing peer is a FAILURE, not a
# skip: without them the sentry suite would prove nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$1
shift
if ! command -v node >/dev/null; then
  echo "FAIL: node is not installed (tools/bootstrap installs it)" >&2
  exit 1
fi
for peer in @sentry/core @spotlightjs/spotlight @sentry/cli-linux-x64 hono; do
  if [ ! -f "$here/node/node_modules/$peer/package.json" ]; then
    echo "FAIL: the npm test peer $peer is missing: run tools/bootstrap (npm ci --prefix tests/sentry/node)" >&2
    exit 1
  fi
done
exec node "$here/node/$script" "$@"
