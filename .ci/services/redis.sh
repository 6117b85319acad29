#!/usr/bin/env bash
# Redis for the multi-node tests. The tests start (and stop, for outage scenarios) their own
# redis-server processes on free loopback ports, so this only makes sure the binary is there.
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis.sh: installing redis-server" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system instance on 6379; the tests never use it.
  service redis-server stop >/dev/null 2>&1 || true
fi
redis-server --version >&2
