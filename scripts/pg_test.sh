#!/bin/sh
# pg_test.sh start|stop|halt|resume DIR - a throwaway PostgreSQL cluster for the tests
# (Debian's PostgreSQL 15): initdb in DIR as an unprivileged user (the
# server refuses to run as root), trust authentication, a Unix socket in
# DIR and no TCP. `start` prints the URL of its maintenance database; the
# tests create databases of their own beside it.
set -eu
cmd=${1:?usage: pg_test.sh start|stop|halt|resume DIR}
dir=${2:?usage: pg_test.sh start|stop|halt|resume DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "pg_test.sh: PostgreSQL is not installed (scripts/setup.sh test installs it)" >&2
	exit 1
fi
# the server's user: ourselves, or nobody when we are root
as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}
stop() {
	if [ -f "$dir/data/postmaster.pid" ]; then
		as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
}
case $cmd in
start)
	stop
	rm -rf "$dir"
	mkdir -p "$dir"
	[ "$(id -u)" -ne 0 ] || chown nobody "$dir"
	as "$bin/initdb" -D "$dir/data" -U paperboy -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# durability is the kernel's here (a test kills paperboy or the
	# server, never the machine): no fsync, for speed; a commit still
	# writes its WAL before it answers, so a killed server loses nothing
	# it acknowledged
	cat >>"$dir/data/postgresql.conf" <<CONF
unix_socket_directories = '$dir'
listen_addresses = ''
port = 5432
max_connections = 300
shared_buffers = 128MB
CONF
	# benchmarks keep PostgreSQL's durable defaults: PB_PG_DURABLE=1; and
	# may add settings, one "name = value" a line: PB_PG_CONF
	if [ "${PB_PG_DURABLE:-0}" != 1 ]; then
		printf "fsync = off\nfull_page_writes = off\n" >>"$dir/data/postgresql.conf"
	fi
	if [ -n "${PB_PG_CONF:-}" ]; then
		printf "%s\n" "$PB_PG_CONF" >>"$dir/data/postgresql.conf"
	fi
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "postgresql://paperboy@/postgres?host=$dir&port=5432"
	;;
stop)
	stop
	rm -rf "$dir"
	;;
halt)
	# the server dies (as on a crash: no shutdown checkpoint); data stays
	as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	;;
resume)
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
	;;
*)
	echo "usage: pg_test.sh start|stop|halt|resume DIR" >&2
	exit 2
	;;
esac
