#!/usr/bin/env bash
# Installs what the Mermaid rendering test (tests/report_formats.rs,
# mermaid_renders_in_real_chromium) needs: Debian's chromium and the npm package `mermaid`
# (pinned major), into target/mermaid/ so nothing outside the build directory changes.
# Idempotent: does nothing when both are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
if [ ! -f target/mermaid/node_modules/mermaid/dist/mermaid.min.js ]; then
  mkdir -p target/mermaid
  npm install --no-audit --no-fund --prefix target/mermaid mermaid@11
fi
echo "mermaid-setup: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), mermaid $(node -p "require('./target/mermaid/node_modules/mermaid/package.json').version" 2>/dev/null || echo '?')"
