#!/usr/bin/env bash
# slapd.sh: OpenLDAP slapd (Debian's slapd package, back-mdb) as the
# reference server of bench/compare.sh, private to this benchmark: its own
# slapd.conf, database and pidfile under $BENCH_DIR/slapd, listening only
# on 127.0.0.1:$PORT. The system's slapd configuration is never read.
#
#   bench/slapd.sh up BOOK.ldif    fresh database (slapadd -q), start; prints the PID last
#   bench/slapd.sh load BOOK.ldif  fresh database only; writes $BENCH_DIR/slapd/load.log
#   bench/slapd.sh start | stop | pid | status
#
# Indexes: objectClass eq, mail eq, cn/sn/givenName eq,sub,
# telephoneNumber/mobile eq,sub. sizelimit unlimited; anonymous and bound
# clients read everything but userPassword. rootdn cn=admin,<suffix> / secret.
#
# Environment: BENCH_DIR [/tmp/userdir-bench]  PORT [3890]
#   SUFFIX [dc=company,dc=ru]  THREADS [16]  MAXSIZE [8589934592]
set -euo pipefail

BENCH_DIR=${BENCH_DIR:-/tmp/userdir-bench}
PORT=${PORT:-3890}
SUFFIX=${SUFFIX:-dc=company,dc=ru}
THREADS=${THREADS:-16}
MAXSIZE=${MAXSIZE:-8589934592}
DIR=$BENCH_DIR/slapd
CONF=$DIR/slapd.conf
PIDFILE=$DIR/slapd.pid
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}

say() { echo "slapd.sh: $*" >&2; }
die() {
	say "ERROR: $*"
	exit 1
}

install_slapd() {
	[ -x "$SLAPD" ] && [ -x "$SLAPADD" ] && return 0
	say "slapd is missing; installing Debian's slapd package"
	[ "$(id -u)" = 0 ] || die "run as root, or: apt-get install slapd"
	DEBIAN_FRONTEND=noninteractive apt-get install -y slapd >&2
}

write_conf() {
	mkdir -p "$DIR"
	cat >"$CONF" <<CONF
# written by bench/slapd.sh
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $PIDFILE
argsfile $DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
loglevel 0
threads $THREADS
tool-threads 2
sizelimit unlimited

database mdb
maxsize $MAXSIZE
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw secret
directory $DIR/db
index objectClass eq
index mail eq
index cn,sn,givenName eq,sub
index telephoneNumber,mobile eq,sub
access to attrs=userPassword by anonymous auth by * none
access to * by * read
CONF
}

pid() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

load() { # LDIF
	[ -f "$1" ] || die "no LDIF at $1"
	install_slapd
	[ -z "$(pid || true)" ] || die "slapd is running (PID $(pid)); stop it first"
	write_conf
	rm -rf "$DIR/db" && mkdir -p "$DIR/db"
	local t0 t1 entries
	t0=${EPOCHREALTIME/[.,]/}
	"$SLAPADD" -q -f "$CONF" -l "$1" >&2 || die "slapadd failed"
	t1=${EPOCHREALTIME/[.,]/}
	entries=$(grep -c '^dn:' "$1")
	echo "entries=$entries slapadd_s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e6 }')" \
		"db_kb=$(du -k "$DIR/db/data.mdb" | cut -f1)" | tee "$DIR/load.log" >&2
}

start() {
	install_slapd
	[ -f "$CONF" ] || die "no database yet: run load first"
	if [ -n "$(pid || true)" ]; then
		pid
		return
	fi
	listening && die "127.0.0.1:$PORT is already in use"
	"$SLAPD" -f "$CONF" -h "ldap://127.0.0.1:$PORT/" || die "slapd did not start"
	local deadline=$((SECONDS + 60))
	until listening; do
		[ "$SECONDS" -lt "$deadline" ] || die "slapd not listening on 127.0.0.1:$PORT after 60 s"
		sleep 0.05
	done
	pid || die "slapd listens but wrote no pidfile"
}

stop() {
	local p
	p=$(pid || true)
	[ -n "$p" ] || return 0
	kill -TERM "$p"
	for _ in $(seq 1 100); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
}

case ${1:-} in
up)
	[ $# = 2 ] || die "usage: slapd.sh up BOOK.ldif"
	stop
	load "$2"
	start
	;;
load)
	[ $# = 2 ] || die "usage: slapd.sh load BOOK.ldif"
	load "$2"
	;;
start) start ;;
stop) stop ;;
pid) pid ;;
status) if p=$(pid); then echo "running, PID $p, 127.0.0.1:$PORT"; else
	echo "stopped"
	exit 3
fi ;;
*) die "usage: slapd.sh up LDIF | load LDIF | start | stop | pid | status" ;;
esac
