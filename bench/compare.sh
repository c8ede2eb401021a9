#!/usr/bin/env bash
# compare.sh: userdir and OpenLDAP slapd side by side, on one machine, in one
# run, on the same generated address book (see bench/README.md).
#
# For each size in SIZES it generates the book (bench/gen: LDIF, query
# terms, userdir command messages and [[division]] blocks, same seed for both
# servers). It loads userdir through its real ingest path, one
# `userdir ingest` per message, and slapd with slapadd (bench/slapd.sh).
# Then it starts both servers, checks both with `load -verify` and
# entrydiff (entry sets compared by mail), and runs the bench/load matrix
# against userdir and slapd in alternation, ROUNDS times. It also measures
# how long a change committed by ingest takes to show up over LDAP, and how
# long a 10,000-line message takes to ingest. Every raw line goes to $OUT,
# and a markdown table per size is printed at the end.
#
#   bench/compare.sh                                  # full: 10k and 100k, 3 rounds of 10 s
#   SIZES=10000 ROUNDS=1 DURATION=3s WARMUP=1s bench/compare.sh   # quick check
#
# Environment (defaults in brackets):
#   SIZES ["10000 100000"]  ROUNDS [3]  DURATION [10s]  WARMUP [2s]
#   WORKLOADS ["postfix autocomplete callerid browse mixed"]  CONNS ["1 8"]
#   NEWCONN_CONNS ["1 8"]   postfix runs with a new connection per request
#   PIN [0]                 1: servers on CPU 1, the load tool on CPU 0 (taskset)
#   BENCH_DIR [/tmp/userdir-bench]  scratch data, binaries in $BENCH_DIR/bin
#   OUT [bench/results/compare-<date>.txt]  raw lines (truncated if it exists)
#   USERDIR_REV []          build userdir from this git revision instead of the work tree
#   DIVISIONS [10]  SEED [1]  PER_MESSAGE [1000]  BIG_LINES [10000]  VISIBLE_TRIES [5]
#   UD_PORT [3891]  SLAPD_PORT [3890]  START_TIMEOUT [300] (seconds)  ENTRYDIFF [1]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/userdir-bench}
SIZES=${SIZES:-10000 100000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
WORKLOADS=${WORKLOADS:-postfix autocomplete callerid browse mixed}
CONNS=${CONNS:-1 8}
NEWCONN_CONNS=${NEWCONN_CONNS-1 8}
PIN=${PIN:-0}
USERDIR_REV=${USERDIR_REV:-}
DIVISIONS=${DIVISIONS:-10}
SEED=${SEED:-1}
PER_MESSAGE=${PER_MESSAGE:-1000}
BIG_LINES=${BIG_LINES:-10000}
VISIBLE_TRIES=${VISIBLE_TRIES:-5}
UD_PORT=${UD_PORT:-3891}
SLAPD_PORT=${SLAPD_PORT:-3890}
START_TIMEOUT=${START_TIMEOUT:-300}
ENTRYDIFF=${ENTRYDIFF:-1}
COMMON_TERMS=${COMMON_TERMS:-1}
REPORT_ONLY=${REPORT_ONLY:-}
OUT=${OUT:-$REPO/bench/results/compare-$(date +%Y-%m-%dT%H%M).txt}

SUFFIX=dc=company,dc=ru
BINDDN=cn=reader,$SUFFIX
BINDPW=readerpass
BIN=$BENCH_DIR/bin
export BENCH_DIR

UD_PID=""
PIN_LABEL=none
CLIENT=()
SERVER_PREFIX=()
if [ "$PIN" = 1 ]; then
	PIN_LABEL=srv1-cli0
	CLIENT=(taskset -c 0)
	SERVER_PREFIX=(taskset -c 1)
fi

say() { echo "compare: $*" >&2; }
die() {
	say "ERROR: $*"
	exit 1
}
record() { echo "$*" | tee -a "$OUT" >&2; } # one raw line into $OUT (and the terminal)
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
ms_since() { echo $((($(now_us) - $1) / 1000)); } # argument: a now_us value
time_wait() { ss -Htan state time-wait 2>/dev/null | wc -l; } # loopback sockets newconn runs leave behind
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# first_message N: the first generated message of the book. (Not
# find | sort | head -1: under pipefail, sort can die of SIGPIPE when head
# leaves early, which at 100,000 entries it does.)
first_message() {
	local files=("$BENCH_DIR/mail-$1"/msg-*.eml)
	echo "${files[0]}"
}

# ---- build -------------------------------------------------------------------

build() {
	mkdir -p "$BIN"
	local src=$REPO
	if [ -n "$USERDIR_REV" ]; then
		src=$BENCH_DIR/src
		rm -rf "$src" && mkdir -p "$src"
		git -C "$REPO" archive "$USERDIR_REV" | tar -x -C "$src"
	fi
	say "building userdir ($src) and the tools into $BIN"
	(cd "$src" && go build -o "$BIN/userdir" ./cmd/userdir)
	local tool
	for tool in gen load table entrydiff ldapwait; do
		(cd "$REPO" && go build -o "$BIN/$tool" "./bench/$tool")
	done
}

userdir_version() {
	if [ -n "$USERDIR_REV" ]; then
		git -C "$REPO" rev-parse --short "$USERDIR_REV"
	else
		git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown
	fi
}

header() {
	mkdir -p "$(dirname "$OUT")"
	: >"$OUT"
	: >"$OUT.stderr"
	record "# compare.sh date=$(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(hostname) cpus=$(nproc)" \
		"userdir=$(userdir_version) slapd=$(slapd -VV 2>&1 | grep -o 'slapd [0-9][^ ]*' | head -1 | tr ' ' '-')" \
		"sizes=${SIZES// /,} rounds=$ROUNDS duration=$DURATION warmup=$WARMUP pin=$PIN_LABEL seed=$SEED"
}

# ---- data --------------------------------------------------------------------

gen_book() { # n
	local n=$1 t0
	rm -rf "$BENCH_DIR/mail-$n"
	t0=$(now_us)
	"$BIN/gen" -n "$n" -d "$DIVISIONS" -seed "$SEED" -out "$BENCH_DIR/ab-$n.ldif" -terms "$BENCH_DIR/ab-$n.terms" \
		-mail-dir "$BENCH_DIR/mail-$n" -mail-config "$BENCH_DIR/divisions-$n.toml" -per-message "$PER_MESSAGE" 2>/dev/null
	record "gen n=$n ms=$(ms_since "$t0") ldif_bytes=$(stat -c %s "$BENCH_DIR/ab-$n.ldif")" \
		"messages=$(find "$BENCH_DIR/mail-$n" -name '*.eml' | wc -l) per_message=$PER_MESSAGE"
}

# write_config FILE STORE DIVISIONS_TOML: a userdir config for the benchmark.
write_config() {
	cat >"$1" <<EOF
# written by bench/compare.sh
store = "$2"

[ldap]
listen = ["ldap://127.0.0.1:$UD_PORT"]
suffix = "$SUFFIX"
organization = "АО «Компания»"
allow = ["127.0.0.0/8"]

[[ldap.account]]
dn = "$BINDDN"
password_hash = "$PW_HASH"
role = "reader"

EOF
	cat "$3" >>"$1"
	"$BIN/userdir" check-config -config "$1" >/dev/null || die "userdir check-config $1 failed"
}

# ingest_one CONFIG FILE: ingest one message, print its wall time in µs.
ingest_one() {
	local t0 rc=0 out
	t0=$(now_us)
	out=$("$BIN/userdir" ingest -config "$1" <"$2" 2>&1) || rc=$?
	[ "$rc" = 0 ] || die "userdir ingest $2 exited $rc: $out"
	echo $(($(now_us) - t0))
}

# load_userdir N: a fresh store filled by piping every message into ingest.
load_userdir() {
	local n=$1
	local dir=$BENCH_DIR/userdir-$n f us total=0 max=0 maxf="" count=0
	mkdir -p "$dir"
	rm -f "$dir"/userdir.db*
	write_config "$dir/userdir.toml" userdir.db "$BENCH_DIR/divisions-$n.toml"
	say "n=$n: ingesting $BENCH_DIR/mail-$n/*.eml into userdir"
	for f in "$BENCH_DIR/mail-$n"/msg-*.eml; do
		us=$(ingest_one "$dir/userdir.toml" "$f")
		total=$((total + us))
		count=$((count + 1))
		if [ "$us" -gt "$max" ]; then max=$us maxf=$f; fi
	done
	record "ingest n=$n server=userdir messages=$count lines=$n total_ms=$((total / 1000))" \
		"max_msg_ms=$((max / 1000)) max_msg_lines=$(grep -c '^_cmd=' "$maxf") max_msg=$(basename "$maxf")" \
		"db_kb=$(du -ck "$dir"/userdir.db* | tail -1 | cut -f1)"
}

# big_message N SRC DATE ID: one message with the first BIG_LINES commands
# of the book, under the division (Subject) of SRC, on stdout.
big_message() {
	local n=$1 src=$2 date=$3 id=$4
	printf 'From: bench@company.ru\r\nTo: userdir@company.ru\r\n%s\r\n' "$(grep -m1 '^Subject:' "$src" | tr -d '\r')"
	printf 'Date: %s\r\nMessage-ID: <%s@company.ru>\r\n' "$date" "$id"
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
	awk -v max="$BIG_LINES" '/^_cmd=/ && k < max { print; k++ }' "$BENCH_DIR/mail-$n"/msg-*.eml
}

# ingest_big N: time one BIG_LINES-line message into a fresh store (all new
# records), then the same lines again under a later Date (all replaced).
ingest_big() {
	local n=$1
	local dir=$BENCH_DIR/userdir-$n/big src lines new replace
	src=$(first_message "$n")
	mkdir -p "$dir"
	rm -f "$dir"/big.db*
	write_config "$dir/userdir.toml" big.db "$BENCH_DIR/divisions-$n.toml"
	big_message "$n" "$src" "Mon, 02 Nov 2026 09:00:00 +0000" "bench-big-new" >"$dir/new.eml"
	big_message "$n" "$src" "Mon, 02 Nov 2026 10:00:00 +0000" "bench-big-replace" >"$dir/replace.eml"
	lines=$(grep -c '^_cmd=' "$dir/new.eml")
	new=$(ingest_one "$dir/userdir.toml" "$dir/new.eml")
	replace=$(ingest_one "$dir/userdir.toml" "$dir/replace.eml")
	record "ingest_big n=$n server=userdir lines=$lines bytes=$(stat -c %s "$dir/new.eml")" \
		"new_ms=$((new / 1000)) replace_ms=$((replace / 1000))"
}

# ---- servers -------------------------------------------------------------------

# start_userdir N: serve the store; wait for "msg=listening" with a deadline.
start_userdir() {
	local n=$1
	local dir=$BENCH_DIR/userdir-$n t0 deadline
	port_busy "$UD_PORT" && die "127.0.0.1:$UD_PORT is already in use"
	: >"$dir/serve.log"
	t0=$(now_us)
	"${SERVER_PREFIX[@]}" "$BIN/userdir" serve -config "$dir/userdir.toml" >/dev/null 2>>"$dir/serve.log" &
	UD_PID=$!
	deadline=$((SECONDS + START_TIMEOUT))
	until grep -q 'msg=listening' "$dir/serve.log"; do
		kill -0 "$UD_PID" 2>/dev/null || die "userdir serve exited: $(tail -5 "$dir/serve.log")"
		[ "$SECONDS" -lt "$deadline" ] || die "userdir serve not listening after ${START_TIMEOUT}s"
		sleep 0.05
	done
	record "start n=$n server=userdir pid=$UD_PID listening_ms=$(ms_since "$t0") cpus=$(cpus_of "$UD_PID")"
}

stop_userdir() {
	[ -n "$UD_PID" ] || return 0
	if kill -0 "$UD_PID" 2>/dev/null; then
		kill -TERM "$UD_PID"
		for _ in $(seq 1 300); do
			kill -0 "$UD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$UD_PID" 2>/dev/null && kill -KILL "$UD_PID"
	fi
	wait "$UD_PID" 2>/dev/null || true
	UD_PID=""
}

slapd_sh() { PORT=$SLAPD_PORT "$REPO/bench/slapd.sh" "$@"; }

# start_slapd N: fresh slapadd load of the LDIF, start; sets SL_PID.
start_slapd() {
	local n=$1
	SL_PID=$(FRESH=1 slapd_sh up "$BENCH_DIR/ab-$n.ldif" | tail -1)
	[ -n "$SL_PID" ] || die "slapd.sh up printed no PID"
	record "load n=$n server=slapd method=slapadd-q $(cat "$BENCH_DIR/slapd/load.log")"
	if [ "$PIN" = 1 ]; then taskset -a -pc 1 "$SL_PID" >/dev/null; fi
	record "start n=$n server=slapd pid=$SL_PID cpus=$(cpus_of "$SL_PID")"
}

rss() { # server pid phase n
	record "rss server=$1 n=$4 phase=$3 pid=$2 $(awk '/^(VmRSS|VmHWM|RssAnon|RssFile):/ {
		printf "%s=%s ", tolower(substr($1, 1, length($1) - 1)), $2 }' "/proc/$2/status")"
}

cleanup() {
	stop_userdir
	slapd_sh stop 2>/dev/null || true
}

# ---- measurements ------------------------------------------------------------

cpus_of() { taskset -pc "$1" | awk '{ print $NF }'; }
port_of() { if [ "$1" = userdir ]; then echo "$UD_PORT"; else echo "$SLAPD_PORT"; fi; }
pid_of() { if [ "$1" = userdir ]; then echo "$UD_PID"; else echo "$SL_PID"; fi; }

# verify SERVER N: load -verify; a failure is printed, never hidden.
verify() {
	local s=$1 n=$2 rc=0 line
	line=$("$BIN/load" -addr "127.0.0.1:$(port_of "$s")" -base "$SUFFIX" -terms "$BENCH_DIR/ab-$n.terms" \
		-D "$BINDDN" -w "$BINDPW" -verify -label "server=$s n=$n" 2>"$BENCH_DIR/verify-$s-$n.log") || rc=$?
	record "$line"
	if [ "$rc" != 0 ]; then
		say "!!!!! VERIFY FAILED: server=$s n=$n (load exit $rc); the first terms that differ:"
		head -20 "$BENCH_DIR/verify-$s-$n.log" | sed 's/^/compare:   /' >&2 || true
		VERIFY_FAILED+=("server=$s n=$n")
	fi
}

# entrydiff N: every term against both servers, entry sets compared by mail.
entrydiff() {
	local n=$1
	local rc=0 file=$BENCH_DIR/entrydiff-$n.txt
	"$BIN/entrydiff" -terms "$BENCH_DIR/ab-$n.terms" -a "127.0.0.1:$UD_PORT" -b "127.0.0.1:$SLAPD_PORT" \
		-base "$SUFFIX" -D "$BINDDN" -w "$BINDPW" -show 50 -a-name userdir -b-name slapd \
		-agreed "$BENCH_DIR/ab-$n.agreed.terms" >"$file" || rc=$?
	# term and summary lines get the size; the entries under a term become comments
	awk -v n="$n" '/^    / { sub(/^ +/, ""); print "#   " $0 " n=" n; next } { print $0 " n=" n }' "$file" >>"$OUT"
	case $rc in
	0) say "n=$n: entrydiff: userdir and slapd return the same entries for every term" ;;
	1)
		say "!!!!! n=$n: entrydiff: the servers return different entries (all in $file):"
		sed 's/^/compare:   /' "$file" >&2
		;;
	*) say "!!!!! n=$n: entrydiff failed (exit $rc)" ;;
	esac
}

# matrix_terms N: the terms file the matrix uses. With COMMON_TERMS=1 (the
# default) it is the terms on which entrydiff found both servers returning
# the same entries: the load then measures both on the same work. The
# generator already leaves out phone terms on which digits-only matching
# (userdir, docs/directory.md#matching) and slapd's telephoneNumberMatch
# disagree, so normally nothing is dropped.
matrix_terms() {
	local n=$1
	if [ "$COMMON_TERMS" = 1 ] && [ -s "$BENCH_DIR/ab-$n.agreed.terms" ]; then
		echo "$BENCH_DIR/ab-$n.agreed.terms"
	else
		echo "$BENCH_DIR/ab-$n.terms"
	fi
}

# run SERVER N ROUND LOAD-FLAGS...: one measured bench/load run.
run() {
	local s=$1 n=$2 r=$3 rc=0 line label err=$BENCH_DIR/load.err
	shift 3
	label="server=$s n=$n round=$r pin=$PIN_LABEL time_wait=$(time_wait)"
	line=$("${CLIENT[@]}" "$BIN/load" -addr "127.0.0.1:$(port_of "$s")" -base "$SUFFIX" \
		-terms "$(matrix_terms "$n")" -D "$BINDDN" -w "$BINDPW" -pid "$(pid_of "$s")" \
		-duration "$DURATION" -warmup "$WARMUP" -label "$label" "$@" 2>"$err") || rc=$?
	[ -n "$line" ] && record "$line"
	grep '^# ' "$err" | sed "s/\$/ $label/" >>"$OUT" || true # mixed: per-kind lines
	grep -v '^# ' "$err" | sed "s/^/[$label $*] /" >>"$OUT.stderr" || true
	[ "$rc" = 0 ] || say "load exit $rc ($label $*): see the mismatches/errors fields and $OUT.stderr"
}

# matrix N: every workload, userdir and slapd in alternation, ROUNDS times.
matrix() {
	local n=$1 r w c s
	for r in $(seq 1 "$ROUNDS"); do
		for w in $WORKLOADS; do
			for c in $CONNS; do
				for s in userdir slapd; do run "$s" "$n" "$r" -workload "$w" -conns "$c"; done
			done
		done
		for c in $NEWCONN_CONNS; do
			for s in userdir slapd; do run "$s" "$n" "$r" -workload postfix -conns "$c" -newconn; done
		done
	done
}

# update_message SRC ADDR TITLE ID: an update of ADDR's title, dated now,
# under the division of SRC.
update_message() {
	printf 'From: bench@company.ru\r\nTo: userdir@company.ru\r\n%s\r\n' "$(grep -m1 '^Subject:' "$1" | tr -d '\r')"
	printf 'Date: %s\r\nMessage-ID: <%s@company.ru>\r\n' "$(date -R)" "$4"
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n_cmd=update:type=mbox:eml=%s:post=%s\r\n' "$2" "$3"
}

# visible N: ingest an update while serve runs, with ldapwait polling
# (every 2 ms, one bound connection) until the new title is served. Times:
# the ingest (until committed), then from the commit until seen.
visible() {
	local n=$1
	local src addr i title t0 t1 wpid rc seen deadline dir=$BENCH_DIR/userdir-$n
	src=$(first_message "$n")
	addr=$(grep -m1 -o 'eml=[^:]*' "$src" | cut -d= -f2)
	for i in $(seq 1 "$VISIBLE_TRIES"); do
		title="bench-title-$i-$(now_us)"
		update_message "$src" "$addr" "$title" "bench-visible-$title" >"$dir/update.eml"
		"$BIN/ldapwait" -addr "127.0.0.1:$UD_PORT" -base "$SUFFIX" -D "$BINDDN" -w "$BINDPW" \
			-filter "(&(mail=$addr)(title=$title))" -timeout 10s >"$dir/wait.out" 2>"$dir/wait.err" &
		wpid=$!
		deadline=$((SECONDS + 10))
		until grep -q '^ready' "$dir/wait.out" || ! kill -0 "$wpid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do
			sleep 0.01
		done
		t0=$(now_us)
		ingest_one "$dir/userdir.toml" "$dir/update.eml" >/dev/null
		t1=$(now_us)
		rc=0
		wait "$wpid" || rc=$?
		seen=$(val seen_unix_us <"$dir/wait.out")
		if [ "$rc" != 0 ] || [ -z "$seen" ]; then
			record "visible n=$n server=userdir try=$i ingest_ms=$(((t1 - t0) / 1000)) visible=no ldapwait_exit=$rc"
			say "!!!!! n=$n: the update of $addr was not seen over LDAP: $(cat "$dir/wait.err")"
			continue
		fi
		record "visible n=$n server=userdir try=$i ingest_ms=$(((t1 - t0) / 1000))" \
			"after_commit_ms=$(((seen - t1) / 1000)) total_ms=$(((seen - t0) / 1000)) $(cut -d' ' -f2- "$dir/wait.out" | tail -1)"
	done
}

# ---- report ----------------------------------------------------------------------

# val KEY: the value of KEY=... in the line on stdin.
val() { tr ' ' '\n' | sed -n "s/^$1=//p" | sed -n 1p; }

# med KEY: the median of KEY over the lines on stdin.
med() {
	tr ' ' '\n' | sed -n "s/^$1=//p" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "–"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# mib SERVER N PHASE KEY: an rss line's value in MiB.
mib() { grep "^rss server=$1 n=$2 phase=$3 " "$OUT" | val "$4" | awk '{ printf "%.0f", $1 / 1024 }'; }

summary() { # n
	local n=$1 ing big vis sl
	ing=$(grep "^ingest n=$n " "$OUT")
	big=$(grep "^ingest_big n=$n " "$OUT")
	vis=$(grep "^visible n=$n .*total_ms=" "$OUT" || true)
	sl=$(grep "^load n=$n server=slapd " "$OUT")
	echo
	echo "### n=$n: throughput and latency (pin=$PIN_LABEL, medians over $ROUNDS round(s) of $DURATION)"
	echo
	"$BIN/table" -n "$n" -pin "$PIN_LABEL" -a userdir -b slapd "$OUT"
	echo
	echo "### n=$n: loading, updates, memory, correctness"
	echo
	echo "| what | userdir | slapd |"
	echo "|---|---:|---:|"
	echo "| load the book | $(val total_ms <<<"$ing") ms: $(val messages <<<"$ing") × ingest of ≤$PER_MESSAGE lines | $(val slapadd_s <<<"$sl") s: slapadd -q |"
	echo "| largest message of the book | $(val max_msg_ms <<<"$ing") ms ($(val max_msg_lines <<<"$ing") lines) | – |"
	echo "| one $(val lines <<<"$big")-line message, new / replacing | $(val new_ms <<<"$big") / $(val replace_ms <<<"$big") ms | – |"
	echo "| start → serving | $(grep "^start n=$n server=userdir " "$OUT" | val listening_ms) ms | – |"
	echo "| committed change visible over LDAP (median of $(grep -c . <<<"$vis") tries) | ingest $(med ingest_ms <<<"$vis") ms + $(med after_commit_ms <<<"$vis") ms = $(med total_ms <<<"$vis") ms (max $(tr ' ' '\n' <<<"$vis" | sed -n 's/^total_ms=//p' | sort -n | tail -1) ms) | – |"
	echo "| data on disk | $(($(val db_kb <<<"$ing") / 1024)) MiB | $(($(val db_kb <<<"$sl") / 1024)) MiB |"
	echo "| RSS idle after start (anon + file) | $(mib userdir "$n" idle vmrss) MiB ($(mib userdir "$n" idle rssanon) + $(mib userdir "$n" idle rssfile)) | $(mib slapd "$n" idle vmrss) MiB ($(mib slapd "$n" idle rssanon) + $(mib slapd "$n" idle rssfile)) |"
	echo "| RSS after the matrix (anon + file) | $(mib userdir "$n" after_matrix vmrss) MiB ($(mib userdir "$n" after_matrix rssanon) + $(mib userdir "$n" after_matrix rssfile)) | $(mib slapd "$n" after_matrix vmrss) MiB ($(mib slapd "$n" after_matrix rssanon) + $(mib slapd "$n" after_matrix rssfile)) |"
	echo "| load -verify mismatches (terms) | $(grep "^verify .*server=userdir n=$n\$" "$OUT" | val detail) | $(grep "^verify .*server=slapd n=$n\$" "$OUT" | val detail) |"
	echo
	grep "^entrydiff kind=.* n=$n\$" "$OUT" | grep -v ' differ=0 ' | sed 's/^/entrydiff: /' || true
}

# ---- main ----------------------------------------------------------------------

main() {
	if [ -n "$REPORT_ONLY" ]; then # re-render the report of an earlier run's raw lines
		OUT=$REPORT_ONLY
		for n in $SIZES; do summary "$n"; done
		return
	fi
	command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || [ "$(id -u)" = 0 ] ||
		die "slapd is missing: apt-get install slapd (bench/slapd.sh installs it when run as root)"
	if [ "$PIN" = 1 ] && [ "$(nproc)" -lt 2 ]; then die "PIN=1 needs 2 CPUs"; fi
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	build
	header
	PW_HASH=$("$BIN/userdir" passwd <<<"$BINDPW")
	VERIFY_FAILED=()
	local n
	for n in $SIZES; do
		gen_book "$n"
		load_userdir "$n"
		ingest_big "$n"
		start_slapd "$n"
		start_userdir "$n"
		rss userdir "$UD_PID" idle "$n"
		rss slapd "$SL_PID" idle "$n"
		verify userdir "$n"
		verify slapd "$n"
		if [ "$ENTRYDIFF" = 1 ]; then entrydiff "$n"; fi
		say "n=$n: matrix, $ROUNDS round(s), userdir and slapd in alternation"
		matrix "$n"
		rss userdir "$UD_PID" after_matrix "$n"
		rss slapd "$SL_PID" after_matrix "$n"
		visible "$n"
		stop_userdir
		slapd_sh stop
	done
	[ -s "$OUT.stderr" ] || rm -f "$OUT.stderr"
	say "raw lines: $OUT"
	for n in $SIZES; do summary "$n"; done
	if [ "${#VERIFY_FAILED[@]}" -gt 0 ]; then
		echo
		echo "**VERIFY FAILED** for: ${VERIFY_FAILED[*]} (details above and in $BENCH_DIR/verify-*.log, $BENCH_DIR/entrydiff-*.txt)"
	fi
}

main "$@"
