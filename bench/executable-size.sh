#!/bin/sh
# Benchmark: size of the single executable bundle/onebox (and, unless --no-xz, its xz -T2 size).
# Run: sh bench/executable-size.sh [--no-xz]     (after `node build.mjs`)
set -eu
bin="${ONEBOX_BIN:-$(dirname "$0")/../bundle/onebox}"
[ -f "$bin" ] || { echo "$bin does not exist: run 'node build.mjs' first" >&2; exit 1; }
bytes=$(stat -c %s "$bin")
"$bin" version || true # which onebox and which embedded Node the figures are for
if [ "${1:-}" != "--no-xz" ] && command -v xz >/dev/null 2>&1; then
  xz_bytes=$(xz -T2 -6 -c "$bin" | wc -c)
  awk -v b="$xz_bytes" 'BEGIN { printf "xz -T2 -6: %.1f MB\n", b / 1e6 }'
fi
awk -v b="$bytes" 'BEGIN { printf "executable size: %.1f MB (%.1f MiB)\n", b / 1e6, b / 1048576 }'
