#!/usr/bin/env bash
# The test command (README): set-up, then type check, lint, format check, build, and every test
# (unit, property/fuzz, end-to-end against a real gst-rtsp-server origin and real players).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit
echo "== lint"; npx eslint .
echo "== format"; npx prettier --check . >/dev/null
echo "== layers"; npx depcruise src
echo "== build"; npx tsc -p tsconfig.build.json
echo "== tests"; npx vitest run "$@"
