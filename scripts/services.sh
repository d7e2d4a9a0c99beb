#!/usr/bin/env bash
# Source this file: makes sure PostgreSQL and Redis are reachable and exports
# TEST_DATABASE_URL and TEST_REDIS_URL. Running ones are used (127.0.0.1:5432, trust auth;
# 127.0.0.1:6379); missing ones are installed from Debian's packages when needed and started
# as throwaway instances under a temporary directory, stopped again by `services_stop`.
_svc_tmp=""
_svc_pg_started=""
_svc_redis_started=""

_svc_apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "need root to apt-get install $*" >&2; return 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

_svc_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

_svc_port_open() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
  return 1
}

services_start() {
  local pg_host=${PGHOST_TEST:-127.0.0.1} pg_port=${PGPORT_TEST:-5432}
  local redis_port=${REDIS_PORT_TEST:-6379}
  _svc_tmp=$(mktemp -d /tmp/trd-services.XXXXXX)
  chmod 755 "$_svc_tmp"

  if _svc_port_open "$pg_host" "$pg_port" && psql "postgresql://postgres@$pg_host:$pg_port/postgres" -Atc 'select 1' >/dev/null 2>&1; then
    echo "PostgreSQL: using the running server at $pg_host:$pg_port"
  else
    pg_port=55432
    local bin; bin=$(_svc_pg_bin) || { _svc_apt_install postgresql && bin=$(_svc_pg_bin); } || return 1
    local run=(); if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd -r postgres; chown postgres "$_svc_tmp"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/initdb" -D "$_svc_tmp/pg" -U postgres --auth=trust -E UTF8 >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D "$_svc_tmp/pg" -o "-p $pg_port -k $_svc_tmp -c listen_addresses=127.0.0.1 -c fsync=off" -l "$_svc_tmp/pg.log" -w start >/dev/null
    _svc_pg_started="$bin"
    echo "PostgreSQL: started a throwaway server on 127.0.0.1:$pg_port"
  fi
  export TEST_DATABASE_URL="postgres://postgres@$pg_host:$pg_port/trd"
  export PGPORT_USED=$pg_port

  if _svc_port_open 127.0.0.1 "$redis_port" && [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; then
    echo "Redis: using the running server at 127.0.0.1:$redis_port"
  else
    redis_port=56379
    command -v redis-server >/dev/null 2>&1 || _svc_apt_install redis-server || return 1
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$_svc_tmp" --logfile "$_svc_tmp/redis.log" --pidfile "$_svc_tmp/redis.pid"
    for _ in $(seq 50); do [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
    _svc_redis_started=$redis_port
    echo "Redis: started a throwaway server on 127.0.0.1:$redis_port"
  fi
  export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/15"
  export REDIS_PORT_USED=$redis_port
}

services_stop() {
  if [ -n "$_svc_pg_started" ]; then
    local run=(); [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$_svc_pg_started/pg_ctl" -D "$_svc_tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "$_svc_redis_started" ]; then
    redis-cli -p "$_svc_redis_started" shutdown nosave >/dev/null 2>&1 || true
  fi
  [ -n "$_svc_tmp" ] && rm -rf "$_svc_tmp"
  return 0
}
