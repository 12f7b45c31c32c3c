# Shared helpers for the benchmark scripts: tools, build, and a Philotes on the embedded database.
# Everything runs on this machine and talks to loopback addresses only.

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# Installs the Debian packages a benchmark needs (as root), when missing.
need() {
  local missing=()
  for tool in "$@"; do
    case "$tool" in
      psql|pgbench) command -v "$tool" >/dev/null || missing+=(postgresql-client) ;;
      *) command -v "$tool" >/dev/null || missing+=("$tool") ;;
    esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

build_jar() {
  if [ ! -f "$BENCH_ROOT/target/philotes.jar" ] || [ -n "${REBUILD:-}" ]; then
    (cd "$BENCH_ROOT" && mvn -B -q package -DskipTests)
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_philotes VAR=VALUE... : starts the jar on the embedded database in a fresh data directory (a DB_URL
# in the caller's environment is ignored).
# Sets PHILOTES_PID, PHILOTES_URL, PHILOTES_LOG, PG_PORT.
start_philotes() {
  BENCH_DIR=$(mktemp -d /tmp/philotes-bench.XXXXXX)
  PHILOTES_LOG=$BENCH_DIR/philotes.log
  local port; port=$(free_port)
  (cd "$BENCH_DIR" && env -u DB_URL -u DB_USERNAME -u DB_PASSWORD -u PHILOTES_CONFIG DATA_DIR="$BENCH_DIR/data" SERVER_PORT="$port" SERVER_HOST=127.0.0.1 HTTP_RATE_LIMIT=0 "$@" \
      java ${JAVA_OPTS:-} -jar "$BENCH_ROOT/target/philotes.jar" >"$PHILOTES_LOG" 2>&1) &
  PHILOTES_PID=$!
  PHILOTES_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    if curl -sf "$PHILOTES_URL/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  curl -sf "$PHILOTES_URL/health/ready" >/dev/null || { cat "$PHILOTES_LOG"; echo "Philotes did not get ready" >&2; exit 1; }
  PG_PORT=$(grep -o 'psql -h localhost -p [0-9]*' "$PHILOTES_LOG" | head -1 | awk '{print $5}')
  PHILOTES_JAVA_PID=$(pgrep -f -n "java.*$BENCH_ROOT/target/philotes.jar")
  trap stop_philotes EXIT
}

stop_philotes() {
  if [ -n "${PHILOTES_JAVA_PID:-}" ]; then
    kill -TERM "$PHILOTES_JAVA_PID" 2>/dev/null || true
    wait "$PHILOTES_PID" 2>/dev/null || true
    PHILOTES_JAVA_PID=
  fi
  [ -n "${BENCH_DIR:-}" ] && rm -rf "$BENCH_DIR"
}

pg() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# The SQL of one named statement from sql/statements.
statement() {
  awk -v name="$1" '
    /^-- name: / { on = ($3 == name); next }
    on { print }
  ' "$BENCH_ROOT"/sql/statements/*.sql
}

median() {
  sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

now_ms() {
  date +%s%3N
}
