#!/usr/bin/env bash
# Runs the source's own node:test files on Node, Bun and Deno: the transports
# (tests/transport/*.node.ts, which Deno runs with `deno test -A tests/transport/*.node.ts`;
# tests/run.ts does not pick them up, since they are not named *_test.ts) and the runtime seam
# (tests/runtime/runtime_seam_test.ts, which tests/run.ts runs on Deno too).
#
# Node must strip TypeScript types itself (22.18+, 23.6+); the machine's Node may be older, so
# both runtimes come from npm's `node` and `bun` packages, installed once into a cache outside
# the checkout. PODRX_NODE and PODRX_BUN name other binaries instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=${PODRX_RUNTIMES:-/var/cache/podrx/runtimes}
node=${PODRX_NODE:-$cache/node_modules/node/bin/node}
bun=${PODRX_BUN:-$cache/node_modules/.bin/bun}
# .ci/npm passes its own runtimes (PODRX_NODE, PODRX_BUN), so this installs only when run by hand.
# PODRX_BUN=none runs Node only.
if [[ ! -x $node || ( $bun != none && ! -x $bun ) ]]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --silent --no-audit --no-fund node@24 bun >&2)
fi

files=(tests/transport/*.node.ts tests/runtime/runtime_seam_test.ts)
status=0
echo "== node $("$node" --version)"
"$node" --test --test-concurrency=1 "${files[@]}" || status=1
# Deno runs the same transport files (its seam test runs in tests/run.ts already); PODRX_DENO=none
# skips it.
if [[ ${PODRX_DENO:-deno} != none ]]; then
  echo "== deno $(deno --version | head -n 1)"
  deno test -A --no-check tests/transport/*.node.ts || status=1
fi
if [[ $bun != none ]]; then
  echo "== bun $("$bun" --version)"
  # bun test takes a path only when it starts with ./ (otherwise it is a name filter).
  "$bun" test "${files[@]/#/./}" || status=1
fi
exit $status
