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
      psql|pgbench|pg_recvlogical) command -v "$tool" >/dev/null || missing+=(postgresql-client) ;;
      initdb) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql) ;;   # the server, for start_source
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
# or AUTH_ENABLED in the caller's environment is ignored), with a fresh admin key (AUTH_BOOTSTRAP_KEY).
# Sets PHILOTES_PID, PHILOTES_URL, PHILOTES_LOG, PG_PORT; exports PGPASSWORD, PHILOTES_KEY and PHILOTES_AUTH, the header
# every request to a route other than /health*, /api/v1/version and /openapi needs (wrk/hey -H "$PHILOTES_AUTH", or api).
start_philotes() {
  BENCH_DIR=$(mktemp -d /tmp/philotes-bench.XXXXXX)
  PHILOTES_LOG=$BENCH_DIR/philotes.log
  # 46 characters of A-Z a-z 0-9 _ -, as a bootstrap key must be, and not of the phk_<12>_<43> shape of generated keys.
  PHILOTES_KEY=bench-$(python3 -c 'import secrets; print(secrets.token_hex(20))')
  PHILOTES_AUTH="Authorization: Bearer $PHILOTES_KEY"
  export PHILOTES_KEY PHILOTES_AUTH
  local port; port=$(free_port)
  (cd "$BENCH_DIR" && env -u DB_URL -u DB_USERNAME -u DB_PASSWORD -u PHILOTES_CONFIG -u AUTH_ENABLED DATA_DIR="$BENCH_DIR/data" \
      SERVER_PORT="$port" SERVER_HOST=127.0.0.1 HTTP_RATE_LIMIT=0 AUTH_BOOTSTRAP_KEY="$PHILOTES_KEY" "$@" \
      java ${JAVA_OPTS:-} -jar "$BENCH_ROOT/target/philotes.jar" >"$PHILOTES_LOG" 2>&1) &
  PHILOTES_PID=$!
  PHILOTES_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    if curl -sf "$PHILOTES_URL/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  curl -sf "$PHILOTES_URL/health/ready" >/dev/null || { cat "$PHILOTES_LOG"; echo "Philotes did not get ready" >&2; exit 1; }
  PG_PORT=$(grep -o 'psql -h localhost -p [0-9]*' "$PHILOTES_LOG" | head -1 | awk '{print $5}')
  # The embedded PostgreSQL wants the password it generated at its first start (psql, pgbench, pg_recvlogical).
  PGPASSWORD=$(cat "$BENCH_DIR/data/postgres.password")
  export PGPASSWORD
  PHILOTES_JAVA_PID=$(pgrep -f -n "java.*$BENCH_ROOT/target/philotes.jar")
  trap stop_philotes EXIT
}

# api CURL-ARGS... : curl with the admin key. A request that fails says why (its status on stderr, the problem
# document on stdout) rather than failing silently as curl -sf does.
api() {
  curl -sS --fail-with-body -H "$PHILOTES_AUTH" "$@"
}

stop_philotes() {
  if [ -n "${PHILOTES_JAVA_PID:-}" ]; then
    kill -TERM "$PHILOTES_JAVA_PID" 2>/dev/null || true
    wait "$PHILOTES_PID" 2>/dev/null || true
    PHILOTES_JAVA_PID=
  fi
  if [ -n "${SOURCE_DIR:-}" ]; then
    "${SOURCE_PG_CTL[@]}" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$SOURCE_DIR"
  fi
  if [ -n "${KEEP:-}" ] && [ -n "${BENCH_DIR:-}" ]; then
    echo "kept the service's log and data in $BENCH_DIR (KEEP=1)" >&2
  elif [ -n "${BENCH_DIR:-}" ]; then
    rm -rf "$BENCH_DIR"
  fi
}

# start_source: a PostgreSQL server of its own for a benchmark's source databases, on a free port with logical
# WAL, trusting connections from loopback: the service refuses its embedded metadata database as a source (the
# host policy's own endpoints). Both servers share this machine's cores. Debian's server binaries (need initdb),
# run as the postgres user when this runs as root, which initdb refuses. Sets SOURCE_PORT; stop_philotes stops it.
start_source() {
  local bin as=()
  bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1)
  [ "$(id -u)" != 0 ] || as=(runuser -u postgres --)
  SOURCE_DIR=$(mktemp -d /tmp/philotes-source.XXXXXX)
  [ ${#as[@]} = 0 ] || chown postgres "$SOURCE_DIR"
  SOURCE_PORT=$(free_port)
  SOURCE_PG_CTL=("${as[@]}" "$bin/pg_ctl" -D "$SOURCE_DIR/data")
  "${as[@]}" "$bin/initdb" -D "$SOURCE_DIR/data" -U postgres -A trust >"$SOURCE_DIR/initdb.log"
  "${SOURCE_PG_CTL[@]}" -l "$SOURCE_DIR/postgres.log" -w start -o "-p $SOURCE_PORT -c listen_addresses=127.0.0.1 \
      -c unix_socket_directories=$SOURCE_DIR -c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10" >/dev/null
}

pg() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

source_pg() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres "$@"
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

# stored_pipeline NAME : a pipeline that never ran (its source is never contacted), for benchmarks that read stored
# events. Prints its id.
stored_pipeline() {
  local source_id
  source_id=$(api -X POST "$PHILOTES_URL/api/v1/sources" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"host\":\"127.0.0.1\",\"port\":1,\"database\":\"none\",\"username\":\"postgres\",\"password\":\"\",\"ssl_mode\":\"disable\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"]["id"])')
  api -X POST "$PHILOTES_URL/api/v1/pipelines" -H 'Content-Type: application/json' -d "{\"name\":\"$1\",\"source_id\":\"$source_id\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["pipeline"]["id"])'
}

# fill_events PIPELINE_ID COUNT : stores COUNT events (seq 1..COUNT) of a sensor table straight into the event store,
# each about 230 bytes of JSON, as the stream would have stored them.
fill_events() {
  pg -d postgres -c "
    INSERT INTO philotes.events (pipeline_id, seq, lsn, commit_lsn, xid, commit_time, schema_name, table_name, op, key, after)
    SELECT '$1', g, '0/1', '0/1', g, now(), 'public', 'ticks', 'insert', json_build_object('id', g),
           json_build_object('id', g, 'sensor', g % 100, 'reading', round((g % 1000) * 1.001, 3), 'at', now(), 'note', 'reading ' || g)
    FROM generate_series(1, $2) g"
}

# readers MODE ARGS... : the benchmark clients of bench/lib/Readers.java.
readers() {
  java "$BENCH_ROOT/bench/lib/Readers.java" "$@"
}
