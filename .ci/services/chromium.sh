#!/usr/bin/env bash
# Chromium for Parley's browser tests (tests/browser): Debian's `chromium` package, driven by
# playwright-core (never `playwright install`: it downloads its own browser builds).
#
#   source .ci/services/chromium.sh   install it if missing and export PARLEY_CHROMIUM
#
# Idempotent and quiet; starts nothing (each test file launches its own headless browser).

parley_chromium_install() {
  local bin=/usr/bin/chromium
  if [ ! -x "$bin" ]; then
    echo "chromium.sh: installing Debian's chromium" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if ! "$bin" --version >/dev/null 2>&1; then
    echo "chromium.sh: $bin does not start" >&2
    return 1
  fi
  PARLEY_CHROMIUM=$bin
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  parley_chromium_install && export PARLEY_CHROMIUM
else
  set -euo pipefail
  parley_chromium_install
  echo "export PARLEY_CHROMIUM=$PARLEY_CHROMIUM"
fi
