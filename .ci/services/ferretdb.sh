#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol over an SQLite backend) for Parley's MongoDB store tests.
#
#   source .ci/services/ferretdb.sh          start it, export PARLEY_TEST_MONGODB_URI and
#                                            PARLEY_FERRETDB_PID (also appended to a `pids`
#                                            array if the caller has one)
#   eval "$(.ci/services/ferretdb.sh start)"  the same from any shell
#   .ci/services/ferretdb.sh stop            stop the one named by PARLEY_FERRETDB_PID
#
# It listens on a free loopback port with a fresh temp data dir, and builds FerretDB v1.24.2 if
# no working binary is found. Logs go to stderr and to $PARLEY_FERRETDB_DIR/ferretdb.log.

PARLEY_FERRETDB_VERSION=v1.24.2

parley_ferretdb_works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

# Prints the path of a FerretDB binary that starts, building one if needed.
parley_ferretdb_binary() {
  local gobin candidate cache src
  gobin="$(go env GOPATH 2>/dev/null)/bin"
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/parley/ferretdb-$PARLEY_FERRETDB_VERSION"
  for candidate in "${PARLEY_FERRETDB_BIN:-}" "$cache/ferretdb" "$(command -v ferretdb || true)" "$gobin/ferretdb"; do
    if [ -n "$candidate" ] && parley_ferretdb_works "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  # `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
  # start ("Invalid build/version/version.txt"): that file is generated for releases and is not in
  # the module. So build the same module with the file written in.
  echo "ferretdb.sh: building FerretDB $PARLEY_FERRETDB_VERSION (needs Go and network once)" >&2
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$PARLEY_FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  [ -d "$src" ] || { echo "ferretdb.sh: could not download FerretDB $PARLEY_FERRETDB_VERSION" >&2; return 1; }
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/parley-ferretdb-src.XXXXXX")"
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$PARLEY_FERRETDB_VERSION" >"$work/build/version/version.txt"
  mkdir -p "$cache"
  (cd "$work" && GOFLAGS="-mod=mod -buildvcs=false" go build -o "$cache/ferretdb" ./cmd/ferretdb) >&2
  rm -rf "$work"
  parley_ferretdb_works "$cache/ferretdb" || { echo "ferretdb.sh: the FerretDB build does not start" >&2; return 1; }
  echo "$cache/ferretdb"
}

parley_ferretdb_free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Starts FerretDB and sets PARLEY_TEST_MONGODB_URI, PARLEY_FERRETDB_PID and PARLEY_FERRETDB_DIR.
parley_ferretdb_start() {
  local bin port dir pid i
  bin="$(parley_ferretdb_binary)" || return 1
  dir="$(mktemp -d "${TMPDIR:-/tmp}/parley-ferretdb.XXXXXX")"
  mkdir -p "$dir/data" "$dir/state"
  port="$(parley_ferretdb_free_port)"
  "$bin" --handler=sqlite --sqlite-url="file:$dir/data/" --listen-addr="127.0.0.1:$port" \
    --state-dir="$dir/state" --debug-addr=- --telemetry=disable --log-level=error \
    >"$dir/ferretdb.log" 2>&1 </dev/null &
  pid=$!
  for i in $(seq 1 150); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ferretdb.sh: FerretDB exited at start:" >&2
      cat "$dir/ferretdb.log" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      PARLEY_TEST_MONGODB_URI="mongodb://127.0.0.1:$port/"
      PARLEY_FERRETDB_PID=$pid
      PARLEY_FERRETDB_DIR=$dir
      printf 'export PARLEY_TEST_MONGODB_URI=%s\nexport PARLEY_FERRETDB_PID=%s\nexport PARLEY_FERRETDB_DIR=%s\n' \
        "$PARLEY_TEST_MONGODB_URI" "$pid" "$dir" >"$dir/env"
      echo "ferretdb.sh: FerretDB $PARLEY_FERRETDB_VERSION (pid $pid) at $PARLEY_TEST_MONGODB_URI, data in $dir" >&2
      return 0
    fi
    sleep 0.2
  done
  echo "ferretdb.sh: FerretDB did not accept connections on port $port within 30 s" >&2
  kill "$pid" 2>/dev/null
  return 1
}

parley_ferretdb_stop() {
  [ -n "${PARLEY_FERRETDB_PID:-}" ] && kill "$PARLEY_FERRETDB_PID" 2>/dev/null
  [ -n "${PARLEY_FERRETDB_DIR:-}" ] && [ -d "$PARLEY_FERRETDB_DIR" ] && rm -rf "$PARLEY_FERRETDB_DIR"
  return 0
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: start in the caller's shell and export; never `exit` the caller.
  if parley_ferretdb_start; then
    export PARLEY_TEST_MONGODB_URI PARLEY_FERRETDB_PID PARLEY_FERRETDB_DIR
    if declare -p pids >/dev/null 2>&1; then pids+=("$PARLEY_FERRETDB_PID"); fi
  else
    return 1
  fi
else
  set -euo pipefail
  case "${1:-start}" in
    start) parley_ferretdb_start && cat "$PARLEY_FERRETDB_DIR/env" ;;
    stop) parley_ferretdb_stop ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
  esac
fi
