#!/usr/bin/env bash
# SeaweedFS (master, volume, filer and S3 gateway in one `weed server`) for Parley's S3 blob store tests.
#
#   source .ci/services/seaweedfs.sh          start it, create the test bucket, export
#                                            PARLEY_TEST_S3_ENDPOINT, PARLEY_TEST_S3_ACCESS_KEY,
#                                            PARLEY_TEST_S3_SECRET_KEY, PARLEY_TEST_S3_BUCKET,
#                                            PARLEY_SEAWEEDFS_PID and PARLEY_SEAWEEDFS_DIR (the pid is
#                                            also appended to a `pids` array if the caller has one)
#   eval "$(.ci/services/seaweedfs.sh start)"  the same from any shell
#   .ci/services/seaweedfs.sh stop           stop the one named by PARLEY_SEAWEEDFS_PID
#
# Everything listens on loopback on free ports, with a fresh temp dir, and S3 checks signatures
# against a random access key made per start. It builds SeaweedFS from its Go module if no working
# binary is cached (several minutes, once). Logs go to $PARLEY_SEAWEEDFS_DIR/weed.log.

PARLEY_SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
PARLEY_SEAWEEDFS_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

parley_seaweedfs_works() { [ -x "$1" ] && "$1" version >/dev/null 2>&1; }

# Prints the path of a weed binary that runs, building one if needed.
parley_seaweedfs_binary() {
  local cache candidate
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/parley/seaweedfs-$PARLEY_SEAWEEDFS_VERSION"
  # A build into the cache may be under way (another shell, or CI's warm-up): wait for it rather
  # than start a second one on the same two cores.
  local waited=0
  while pgrep -f "go build -o $cache/weed" >/dev/null 2>&1; do
    [ "$waited" = 0 ] && echo "seaweedfs.sh: waiting for the SeaweedFS build already under way into $cache" >&2
    waited=$((waited + 5))
    [ "$waited" -gt 1800 ] && { echo "seaweedfs.sh: that build did not finish in 30 min" >&2; return 1; }
    sleep 5
  done
  for candidate in "${PARLEY_SEAWEEDFS_BIN:-}" "$cache/weed"; do
    if [ -n "$candidate" ] && parley_seaweedfs_works "$candidate"; then
      echo "$candidate"
      return 0
    fi
  done
  mkdir -p "$cache"
  # One build at a time: a second shell waits on the lock, then finds the binary built.
  local lock
  if command -v flock >/dev/null 2>&1; then
    exec {lock}>"$cache/build.lock"
    flock "$lock"
    if parley_seaweedfs_works "$cache/weed"; then
      exec {lock}>&-
      echo "$cache/weed"
      return 0
    fi
  fi
  parley_seaweedfs_build "$cache"
  local built=$?
  [ -n "${lock:-}" ] && exec {lock}>&-
  return "$built"
}

# Builds weed into "$1/weed" and prints its path.
parley_seaweedfs_build() {
  local cache=$1 src work
  # `go install github.com/seaweedfs/seaweedfs/weed@…` refuses the module (its go.mod has replace
  # directives), so build inside a copy of the downloaded module instead.
  echo "seaweedfs.sh: building SeaweedFS $PARLEY_SEAWEEDFS_VERSION (needs Go and network once; several minutes)" >&2
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/seaweedfs/seaweedfs@$PARLEY_SEAWEEDFS_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  [ -d "$src" ] || { echo "seaweedfs.sh: could not download SeaweedFS $PARLEY_SEAWEEDFS_VERSION" >&2; return 1; }
  work="$(mktemp -d "${TMPDIR:-/tmp}/parley-seaweedfs-src.XXXXXX")"
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  # Built beside the cache and renamed into it: a cut build never leaves a binary that looks cached.
  if ! (cd "$work" && GOFLAGS="-mod=mod -buildvcs=false" go build -o "$cache/weed.partial" ./weed) >&2; then
    rm -rf "$work" "$cache/weed.partial"
    echo "seaweedfs.sh: the SeaweedFS build failed" >&2
    return 1
  fi
  rm -rf "$work"
  mv -f "$cache/weed.partial" "$cache/weed"
  parley_seaweedfs_works "$cache/weed" || { echo "seaweedfs.sh: the SeaweedFS build does not run" >&2; return 1; }
  echo "$cache/weed"
}

# Prints `count` distinct free loopback ports, held open together while chosen so none repeats.
parley_seaweedfs_free_ports() {
  node -e '
    const net = require("node:net");
    const count = Number(process.argv[1]);
    const servers = [];
    const next = () => {
      if (servers.length === count) {
        console.log(servers.map((s) => s.address().port).join(" "));
        for (const s of servers) s.close();
        return;
      }
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => { servers.push(s); next(); });
    };
    next();' "$1"
}

# Creates the bucket with a real signed request, retried until the whole stack (master, volume,
# filer, gateway) takes a write: a put and a delete of a probe object.
parley_seaweedfs_ready() {
  (cd "$PARLEY_SEAWEEDFS_REPO" && AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true node -e '
    const { S3Client, CreateBucketCommand, PutObjectCommand, DeleteObjectCommand } = require("@aws-sdk/client-s3");
    const [endpoint, accessKeyId, secretAccessKey, Bucket, pid] = process.argv.slice(1);
    const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
    const deadline = Date.now() + 120_000;
    let last = "no answer yet";
    (async () => {
      while (Date.now() < deadline) {
        try { process.kill(Number(pid), 0); } catch { console.error("seaweedfs.sh: weed exited"); process.exit(1); }
        try {
          await client.send(new CreateBucketCommand({ Bucket })).catch((err) => { if (err.name !== "BucketAlreadyOwnedByYou") throw err; });
          await client.send(new PutObjectCommand({ Bucket, Key: "ready-probe", Body: "ok" }));
          await client.send(new DeleteObjectCommand({ Bucket, Key: "ready-probe" }));
          client.destroy();
          return;
        } catch (err) {
          last = `${err.name}: ${err.message}`;
          await new Promise((done) => setTimeout(done, 500));
        }
      }
      console.error(`seaweedfs.sh: S3 did not take a write within 120 s (last: ${last})`);
      process.exit(1);
    })();' "$@")
}

# Starts weed, creates the bucket and sets PARLEY_TEST_S3_* , PARLEY_SEAWEEDFS_PID and _DIR.
parley_seaweedfs_start() {
  local bin dir pid ports master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc access secret
  bin="$(parley_seaweedfs_binary)" || return 1
  dir="$(mktemp -d "${TMPDIR:-/tmp}/parley-seaweedfs.XXXXXX")"
  mkdir -p "$dir/data" "$dir/tmp"
  ports="$(parley_seaweedfs_free_ports 8)" || return 1
  read -r master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc <<<"$ports"
  access="parley$(node -e 'process.stdout.write(require("node:crypto").randomBytes(8).toString("hex"))')"
  secret="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')"
  printf '{"identities":[{"name":"parley-test","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$access" "$secret" >"$dir/s3.json"
  chmod 600 "$dir/s3.json"
  # Small volumes (64 MB, at most 8), no telemetry, no Iceberg/Lance ports, no 10 s pre-stop wait;
  # TMPDIR keeps its gRPC unix sockets in the temp dir too.
  TMPDIR="$dir/tmp" "$bin" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
    -master.port="$master" -master.port.grpc="$master_grpc" -master.volumeSizeLimitMB=64 -master.telemetry=false \
    -volume.port="$volume" -volume.port.grpc="$volume_grpc" -volume.max=8 -volume.preStopSeconds=0 \
    -filer -filer.port="$filer" -filer.port.grpc="$filer_grpc" -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port="$s3" -s3.port.grpc="$s3_grpc" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.localSocket="$dir/s3.sock" -s3.config="$dir/s3.json" \
    >"$dir/weed.log" 2>&1 </dev/null &
  pid=$!
  # weed puts its gRPC unix sockets in /tmp whatever TMPDIR says: `stop` removes them.
  printf '/tmp/seaweedfs-%s-grpc-%s.sock\n' master "$master_grpc" volume "$volume_grpc" filer "$filer_grpc" s3 "$s3_grpc" >"$dir/sockets"
  PARLEY_TEST_S3_ENDPOINT="http://127.0.0.1:$s3"
  PARLEY_TEST_S3_ACCESS_KEY=$access
  PARLEY_TEST_S3_SECRET_KEY=$secret
  PARLEY_TEST_S3_BUCKET=parley-test
  if ! parley_seaweedfs_ready "$PARLEY_TEST_S3_ENDPOINT" "$access" "$secret" "$PARLEY_TEST_S3_BUCKET" "$pid"; then
    echo "seaweedfs.sh: SeaweedFS did not get ready; the end of its log:" >&2
    tail -n 40 "$dir/weed.log" >&2
    PARLEY_SEAWEEDFS_PID=$pid PARLEY_SEAWEEDFS_DIR=$dir parley_seaweedfs_stop
    return 1
  fi
  PARLEY_SEAWEEDFS_PID=$pid
  PARLEY_SEAWEEDFS_DIR=$dir
  {
    printf 'export PARLEY_TEST_S3_ENDPOINT=%s\n' "$PARLEY_TEST_S3_ENDPOINT"
    printf 'export PARLEY_TEST_S3_ACCESS_KEY=%s\n' "$PARLEY_TEST_S3_ACCESS_KEY"
    printf 'export PARLEY_TEST_S3_SECRET_KEY=%s\n' "$PARLEY_TEST_S3_SECRET_KEY"
    printf 'export PARLEY_TEST_S3_BUCKET=%s\n' "$PARLEY_TEST_S3_BUCKET"
    printf 'export PARLEY_SEAWEEDFS_PID=%s\n' "$pid"
    printf 'export PARLEY_SEAWEEDFS_DIR=%s\n' "$dir"
  } >"$dir/env"
  echo "seaweedfs.sh: SeaweedFS (pid $pid) S3 at $PARLEY_TEST_S3_ENDPOINT, bucket $PARLEY_TEST_S3_BUCKET, data in $dir" >&2
  return 0
}

parley_seaweedfs_stop() {
  local i socket
  if [ -n "${PARLEY_SEAWEEDFS_PID:-}" ] && kill "$PARLEY_SEAWEEDFS_PID" 2>/dev/null; then
    # Its own shutdown takes ~15 s (subscriptions retrying); the data is thrown away anyway.
    for i in $(seq 1 25); do
      kill -0 "$PARLEY_SEAWEEDFS_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$PARLEY_SEAWEEDFS_PID" 2>/dev/null || true
    for i in $(seq 1 25); do
      kill -0 "$PARLEY_SEAWEEDFS_PID" 2>/dev/null || break
      sleep 0.2
    done
  fi
  if [ -n "${PARLEY_SEAWEEDFS_DIR:-}" ] && [ -d "$PARLEY_SEAWEEDFS_DIR" ]; then
    if [ -f "$PARLEY_SEAWEEDFS_DIR/sockets" ]; then
      while read -r socket; do rm -f "$socket"; done <"$PARLEY_SEAWEEDFS_DIR/sockets"
    fi
    rm -rf "$PARLEY_SEAWEEDFS_DIR"
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: start in the caller's shell and export; never `exit` the caller.
  if parley_seaweedfs_start; then
    export PARLEY_TEST_S3_ENDPOINT PARLEY_TEST_S3_ACCESS_KEY PARLEY_TEST_S3_SECRET_KEY PARLEY_TEST_S3_BUCKET
    export PARLEY_SEAWEEDFS_PID PARLEY_SEAWEEDFS_DIR
    if declare -p pids >/dev/null 2>&1; then pids+=("$PARLEY_SEAWEEDFS_PID"); fi
  else
    return 1
  fi
else
  set -euo pipefail
  case "${1:-start}" in
    start) parley_seaweedfs_start && cat "$PARLEY_SEAWEEDFS_DIR/env" ;;
    stop) parley_seaweedfs_stop ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
  esac
fi
