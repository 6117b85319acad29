#!/usr/bin/env bash
# Redis Cluster for the scale-out tests, and for trying parley-server on a cluster by hand.
#
#   source .ci/services/redis-cluster.sh           what .ci/run does: makes sure redis-server 7+
#                                                  (sharded pub/sub) and redis-cli are there. The
#                                                  tests start their own three-master clusters on
#                                                  free ports (tests/helpers/redis-cluster.ts).
#   eval "$(.ci/services/redis-cluster.sh start)"  starts three masters on free loopback ports,
#                                                  joined by redis-cli --cluster create, and
#                                                  exports REDIS_CLUSTER_URLS (what parley-server
#                                                  reads) and PARLEY_REDIS_CLUSTER_DIR
#   .ci/services/redis-cluster.sh stop             stops the one in PARLEY_REDIS_CLUSTER_DIR
#
# Nothing is persisted; each master keeps its nodes.conf in its own dir under the cluster's dir.

parley_redis_cluster_check() {
  local here major
  here="$(dirname "${BASH_SOURCE[0]}")"
  # shellcheck source=redis.sh
  source "$here/redis.sh" || return 1
  command -v redis-cli >/dev/null 2>&1 || { echo "redis-cluster.sh: redis-cli is missing (apt-get install redis-tools)" >&2; return 1; }
  major="$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
  if [ -z "$major" ] || [ "$major" -lt 7 ]; then
    echo "redis-cluster.sh: Redis Cluster tests need redis-server 7 or newer (sharded pub/sub); found $(redis-server --version)" >&2
    return 1
  fi
}

parley_redis_cluster_free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

parley_redis_cluster_start() {
  local dir port bus nodes="" urls="" i
  parley_redis_cluster_check || return 1
  dir="$(mktemp -d "${TMPDIR:-/tmp}/parley-redis-cluster.XXXXXX")"
  for i in 1 2 3; do
    port="$(parley_redis_cluster_free_port)"
    bus="$(parley_redis_cluster_free_port)"
    mkdir -p "$dir/$port"
    redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 --cluster-enabled yes \
      --save '' --appendonly no --dir "$dir/$port" --daemonize yes \
      --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" >&2 || return 1
    nodes="$nodes 127.0.0.1:$port"
    urls="${urls:+$urls,}redis://127.0.0.1:$port"
  done
  for node in $nodes; do
    for i in $(seq 1 150); do
      [ "$(redis-cli -h "${node%:*}" -p "${node#*:}" ping 2>/dev/null)" = PONG ] && break
      [ "$i" -eq 150 ] && { echo "redis-cluster.sh: $node did not start (see $dir)" >&2; return 1; }
      sleep 0.2
    done
  done
  # shellcheck disable=SC2086
  if ! redis-cli --cluster create $nodes --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1; then
    echo "redis-cluster.sh: redis-cli --cluster create failed:" >&2
    cat "$dir/create.log" >&2
    return 1
  fi
  for node in $nodes; do
    for i in $(seq 1 300); do
      redis-cli -h "${node%:*}" -p "${node#*:}" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      [ "$i" -eq 300 ] && { echo "redis-cluster.sh: $node is not ok within 60 s" >&2; return 1; }
      sleep 0.2
    done
  done
  REDIS_CLUSTER_URLS="$urls"
  PARLEY_REDIS_CLUSTER_DIR="$dir"
  echo "redis-cluster.sh: three masters at $urls, files in $dir" >&2
  printf 'export REDIS_CLUSTER_URLS=%s\nexport PARLEY_REDIS_CLUSTER_DIR=%s\n' "$urls" "$dir"
}

parley_redis_cluster_stop() {
  local dir="${PARLEY_REDIS_CLUSTER_DIR:-}" pidfile
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "redis-cluster.sh: PARLEY_REDIS_CLUSTER_DIR names no cluster" >&2; return 1; }
  for pidfile in "$dir"/*/redis.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  parley_redis_cluster_check
else
  case "${1:-}" in
    start) parley_redis_cluster_start ;;
    stop) parley_redis_cluster_stop ;;
    *) echo "usage: $0 start|stop  (or source it to check for redis-server 7+ and redis-cli)" >&2; exit 2 ;;
  esac
fi
