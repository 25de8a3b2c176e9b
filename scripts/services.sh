#!/usr/bin/env bash
# Make sure what the test suite talks to is running: PostgreSQL on 127.0.0.1:5432 (database `test`,
# user `postgres`), Redis on 127.0.0.1:6379, Debian's Chromium for the browser tests and libfaketime for the
# tests under faked wall-clock times.
# Installs the Debian packages when they are missing (needs root, as on CI and the development machines).
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "services.sh: $* is missing and installing it needs root: run 'sudo apt-get install $*'." >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {
  for _ in $(seq 1 60); do listening "$1" && return 0; sleep 0.5; done
  echo "services.sh: nothing is listening on 127.0.0.1:$1 after starting $2." >&2
  exit 1
}

if ! listening 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ -z "$version" ]; then echo "services.sh: no PostgreSQL cluster found under /etc/postgresql." >&2; exit 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for 5432 PostgreSQL
  # A fresh cluster asks for a password on TCP: give the postgres user the one the tests use.
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi
if command -v psql >/dev/null; then
  if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1; then
    PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  fi
fi

if ! listening 6379; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/madoguchi-test.log
  wait_for 6379 Redis
fi

# The fault test (tests/test_faults.py) starts and restarts throw-away servers of its own: it needs PostgreSQL's
# server programs and redis-server even where the shared ones above run elsewhere (a container, another host).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi
command -v redis-server >/dev/null || apt_install redis-server

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# Japanese fonts, so that the pages Chromium draws (browser tests, screenshots) show Japanese as people see it.
if ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  apt_install fonts-noto-cjk
fi

# libfaketime: `make test-clock` runs the time-dependent tests under faked wall-clock times.
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
  apt_install faketime
fi
echo "services: PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379, Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
