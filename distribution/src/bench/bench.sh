#!/usr/bin/env bash
# End-to-end benchmark of anytls4j on 127.0.0.1, five paths measured side by side in one run:
#
#   (a) direct  tcpbench -> sink                                           (the loopback itself)
#   (b) tls     tcpbench --tls -> TLS sink                                 (one TLS hop: what any TLS proxy pays)
#   (c) anytls  tcpbench -> SOCKS5 (mixed inbound) -> anytls client -> anytls server -> sink
#   (d) relay   tcpbench -> SOCKS5 (mixed inbound) -> direct outbound -> sink  (our SOCKS relay alone)
#   (e) cpipe   tcpbench -> tlspipe client -> TLS -> tlspipe server -> sink     ((c)'s topology in C, nothing else:
#               the same four processes and three TCP hops, no SOCKS, framing or padding; tlspipe.c beside this
#               script, built into target/bench/ like tcpbench: what any implementation of (c) costs at least;
#               a TLS connection per connection, no pool, so only its bulk figures compare with (c)'s: its latency
#               and concurrent ones include a TLS handshake each)
#
# Both anytls4j processes of (c) and the one of (d) run from the built distribution
# (distribution/target/anytls4j-<version>, `mvn -q package -DskipTests` from the repository root).
# Results: JSON lines (tcpbench's own) in $OUT_DIR/results.jsonl, a table of ratios and, when summarize.py is
# found, its table, all printed on stdout. The bulk section also prints a CPU budget: the CPU seconds per GiB of
# every process on the TLS hop's path and on anytls4j's (tcpbench's client and the sink included, each line of the
# JSON has them as tool_cpu_s and sink_cpu_s); on a machine where the transfers are CPU-bound the ratio of the two
# totals is about the share of the TLS hop's throughput that anytls4j can reach.
#
#   distribution/src/bench/bench.sh                      # from the repository root
#   TCPBENCH=/path/to/tcpbench distribution/src/bench/bench.sh
#
# Environment (all optional):
#   TCPBENCH    the tcpbench binary; default: build ../shared/bench/tcpbench.c into target/bench/
#   SUMMARIZE   summarize.py; default ../shared/bench/summarize.py (skipped when absent)
#   DIST        the unpacked distribution; default distribution/target/anytls4j-*
#   OUT_DIR     where configs, logs, JFR files and results go; default target/bench/run-<time>
#   BULK        bytes of each bulk transfer (default 1G); REPS repetitions of each bulk test (default 3)
#   COUNT       connections of the latency test (default 200); CONNS of the concurrent test (default 100)
#   SECTIONS    which tests: any of startup cold idlepool fill bulk latency concurrent (default all but fill)
#   COLD_REPS   fresh client/server pairs the cold section starts, one latency run each (default 3; median)
#   IDLE_SESSIONS    sessions the idlepool section pre-creates (ensure_idle_session; default 1000)
#   IDLE_BASE_SESSIONS  the smaller pool it also measures (default a tenth of IDLE_SESSIONS): from it to the full
#               pool is what each further session costs, without what carrying the first connections costs once
#               (the connection path's compiled code, the event-loop threads, the first pooled buffer chunk)
#   IDLE_SETTLE      seconds the idlepool section waits, once the pool is full, before its readings (default 2);
#               an idle process settles for longer than that, e.g. the JVM trims its C heap every few seconds
#   FILL_SESSIONS    sessions the fill section has the pool pre-create (ensure_idle_session; default 1000)
#   FILL_RTTS        round trips in ms the fill section puts between client and server (default "0 20 100"), with
#               delayrelay.py beside this script (each chunk passed on half a round trip late, connects a round trip late)
#   FILL_CONCURRENCY session_create_concurrency values the fill section compares (default "4 16 64 0")
#   STARTUP_REPS     launches of each start-up case per variant (default 5; the table gives the median)
#   STARTUP_VARIANTS what the startup section compares, alternating run by run, one per line:
#               "name|distribution directory|JAVA_OPTS[|JAVA_HOME]" (default: one variant "now|$DIST|$JAVA_OPTS"); e.g.
#               STARTUP_VARIANTS=$'before|/tmp/old-dist|\nafter|'"$DIST"'|' compares two builds in one run
#   STARTUP_FLOOR    1 (default) to add the variant "floor": StartupFloor.java beside this script, the least a JVM does
#               before it listens as a TLS proxy on anytls4j's libraries (Netty's epoll transport and BoringSSL, a
#               TLS context per listener, a bind), with the launcher's JVM options and a class-data sharing archive of
#               its own; for an exiting case, a JVM that starts and returns. What a start-up takes above it is
#               anytls4j's. 0 leaves it out.
#   STARTUP_EMBEDDED  1 to time `run` without a file (the embedded default on the fixed ports 1080 and 8443),
#               0 to leave it out; default: only when both ports are free when the section starts
#   PATHS       which paths: any of direct tls anytls relay cpipe (default all five)
#   BASE_PORT   thirteen consecutive loopback ports from here are used (default 19000)
#   JAVA_OPTS   extra JVM options for the anytls4j processes (default none)
#   WARMUP      bytes of the unrecorded warm-up transfers through each anytls4j path before measuring, so the
#               JIT has compiled the data path (default 3G; 0 skips the warm-up)
#   JFR=1       record each anytls4j process with Java Flight Recorder (profile settings) into $OUT_DIR
#   LOG_LEVEL   log level of the anytls4j processes (default info)
#   CLIENT_KEYS extra keys of the client's anytls outbound, HOCON on one line (e.g. "stream_receive_buffer = 64KiB")
#   HOG=1       a busy loop on one core beside every section (the issue's "machine busy" run), stopped with the
#               script (and by `timeout` after HOG_SECONDS, default 3600, should the script be killed)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd -P)
cd "$ROOT"

BULK=${BULK:-1G}
REPS=${REPS:-3}
COUNT=${COUNT:-200}
CONNS=${CONNS:-100}
SECTIONS=${SECTIONS:-startup cold idlepool bulk latency concurrent}
FILL_SESSIONS=${FILL_SESSIONS:-1000}
FILL_RTTS=${FILL_RTTS:-0 20 100}
FILL_CONCURRENCY=${FILL_CONCURRENCY:-4 16 64 0}
COLD_REPS=${COLD_REPS:-3}
IDLE_SESSIONS=${IDLE_SESSIONS:-1000}
IDLE_BASE_SESSIONS=${IDLE_BASE_SESSIONS:-$((IDLE_SESSIONS / 10))}
PATHS=${PATHS:-direct tls anytls relay cpipe}
BASE_PORT=${BASE_PORT:-19000}
WARMUP=${WARMUP:-3G}
LOG_LEVEL=${LOG_LEVEL:-info}
OUT_DIR=${OUT_DIR:-target/bench/run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd -P)
RESULTS=$OUT_DIR/results.jsonl
: > "$RESULTS"

die() { echo "bench: $*" >&2; exit 1; }

# ---- tools -------------------------------------------------------------------------------------------------
# A C tool built into target/bench/ from its source with OpenSSL, again whenever the source is newer.
build_c_tool() {  # source, binary, what it is for (for the error)
  if [ ! -x "$2" ] || [ "$1" -nt "$2" ]; then
    mkdir -p "$(dirname "$2")"
    echo "bench: building $2 from $1" >&2
    cc -O2 -Wall -pthread -o "$2" "$1" -lssl -lcrypto \
      || die "could not build $(basename "$2") (it needs a C compiler and libssl-dev: apt-get install -y libssl-dev)$3"
  fi
}
if [ -z "${TCPBENCH:-}" ]; then
  src=$ROOT/../shared/bench/tcpbench.c
  [ -f "$src" ] || die "no tcpbench: set TCPBENCH=/path/to/tcpbench (built from tcpbench.c: cc -O2 -Wall -pthread -o tcpbench tcpbench.c -lssl -lcrypto); $src does not exist"
  TCPBENCH=$ROOT/target/bench/tcpbench
  build_c_tool "$src" "$TCPBENCH" ""
fi
[ -x "$TCPBENCH" ] || die "TCPBENCH=$TCPBENCH is not an executable file"
TLSPIPE=$ROOT/target/bench/tlspipe
if [[ " $PATHS " == *" cpipe "* ]]; then
  build_c_tool "$ROOT/distribution/src/bench/tlspipe.c" "$TLSPIPE" "; or leave cpipe out of PATHS"
fi
SUMMARIZE=${SUMMARIZE:-$ROOT/../shared/bench/summarize.py}

if [ -z "${DIST:-}" ]; then
  DIST=$(ls -d distribution/target/anytls4j-*/ 2>/dev/null | head -1 || true)
fi
[ -n "$DIST" ] && [ -x "$DIST/bin/anytls4j" ] \
  || die "no built distribution (looked for distribution/target/anytls4j-*/bin/anytls4j): run 'mvn -q package -DskipTests' from the repository root, or set DIST"
DIST=$(cd "$DIST" && pwd -P)
command -v openssl >/dev/null || die "openssl is needed to make the TLS sink's certificate"
command -v python3 >/dev/null || die "python3 is needed for the ratio table"

P_SINK=$BASE_PORT
P_TLS_SINK=$((BASE_PORT + 1))
P_SERVER=$((BASE_PORT + 2))
P_CLIENT=$((BASE_PORT + 3))
P_RELAY=$((BASE_PORT + 4))
P_COLD_SERVER=$((BASE_PORT + 5))
P_COLD_CLIENT=$((BASE_PORT + 6))
P_IDLE_SERVER=$((BASE_PORT + 7))
P_IDLE_CLIENT=$((BASE_PORT + 8))
P_FILL_RELAY=$((BASE_PORT + 9))
P_FILL_ADMIN=$((BASE_PORT + 10))
P_PIPE_SERVER=$((BASE_PORT + 11))
P_PIPE_CLIENT=$((BASE_PORT + 12))

# ---- processes ---------------------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

if [ "${HOG:-0}" = 1 ]; then
  timeout "${HOG_SECONDS:-3600}" sh -c 'while :; do :; done' &
  PIDS+=($!)
  echo "bench: a busy loop runs beside the measurements (HOG=1, pid $!)" >&2
fi

wait_listen() {  # port, pid, name
  for _ in $(seq 300); do
    if ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited before listening on $1 (see $OUT_DIR/$3.log)"
    sleep 0.1
  done
  die "$3 is not listening on 127.0.0.1:$1 after 30 s (see $OUT_DIR/$3.log)"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.local \
  -keyout "$OUT_DIR/key.pem" -out "$OUT_DIR/cert.pem" 2>/dev/null

"$TCPBENCH" sink --listen 127.0.0.1:$P_SINK > "$OUT_DIR/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=($!); wait_listen $P_SINK $! sink
"$TCPBENCH" sink --listen 127.0.0.1:$P_TLS_SINK --tls-cert "$OUT_DIR/cert.pem" --tls-key "$OUT_DIR/key.pem" \
  > "$OUT_DIR/tls-sink.log" 2>&1 &
TLS_SINK_PID=$!
PIDS+=($!); wait_listen $P_TLS_SINK $! tls-sink

cat > "$OUT_DIR/server.conf" <<EOF
log { level = $LOG_LEVEL }
inbounds = [ {
  type = anytls, tag = anytls-in, listen = "127.0.0.1", listen_port = $P_SERVER
  users = [ { name = bench, password = "bench-password" } ]
  tls { certificate_path = "$OUT_DIR/cert.pem", key_path = "$OUT_DIR/key.pem" }
} ]
outbounds = [ { type = direct, tag = direct } ]
EOF
cat > "$OUT_DIR/client.conf" <<EOF
log { level = $LOG_LEVEL }
inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = $P_CLIENT, outbound = proxy } ]
outbounds = [ {
  type = anytls, tag = proxy, server = "127.0.0.1", server_port = $P_SERVER, password = "bench-password"
  ${CLIENT_KEYS:-}
  tls { server_name = bench.local, insecure = true }
} ]
EOF
cat > "$OUT_DIR/relay.conf" <<EOF
log { level = $LOG_LEVEL }
inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = $P_RELAY, outbound = direct } ]
outbounds = [ { type = direct, tag = direct } ]
EOF

# ---- start-up: launch to listening (serving commands) or to exit, each variant alternately ---------------------
# The floor (STARTUP_FLOOR): StartupFloor compiled against $DIST's jars, behind a stand-in launcher that gives it the
# JVM options bin/anytls4j gives each command, and an archive written by one training run.
build_floor() {
  local floor=$OUT_DIR/floor java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  mkdir -p "$floor/bin" "$floor/classes"
  "${JAVA_HOME:+$JAVA_HOME/bin/}javac" -nowarn -proc:none -cp "$DIST/lib/*" -d "$floor/classes" \
    "$ROOT/distribution/src/bench/StartupFloor.java" || { echo "bench: no start-up floor (javac failed)" >&2; return 1; }
  (cd "$floor/classes" && "${JAVA_HOME:+$JAVA_HOME/bin/}jar" cf ../startup-floor.jar .)  # the archive takes jars only
  local jvm="-XX:+UseSerialGC -Xms16m -Xmx256m -Xss512k --add-opens java.base/java.nio=ALL-UNNAMED"
  jvm="$jvm -Dio.netty.tryReflectionSetAccessible=true -Djava.library.path=$DIST/lib/native -XX:TieredStopAtLevel=1"
  local cp="$floor/startup-floor.jar:$DIST/lib/*" tls="$OUT_DIR/cert.pem $OUT_DIR/key.pem"
  # shellcheck disable=SC2086
  "$java" $jvm -XX:ArchiveClassesAtExit="$floor/floor.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$cp" \
    StartupFloor train $tls > "$floor/train.log" 2>&1 || { echo "bench: no start-up floor (see $floor/train.log)" >&2; return 1; }
  cat > "$floor/bin/anytls4j" <<FLOOR
#!/bin/sh
# bench.sh's start-up floor, standing in for bin/anytls4j: StartupFloor with the launcher's JVM options per command.
jvm="$jvm -XX:SharedArchiveFile=$floor/floor.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
case \$1 in
  client) exec "$java" \$jvm -XX:CompileThresholdScaling=0.1 -cp "$cp" StartupFloor client $P_CLIENT ;;
  server) exec "$java" \$jvm -XX:CompileThresholdScaling=0.1 -cp "$cp" StartupFloor server $P_SERVER $tls ;;
  run) exec "$java" \$jvm -XX:CompileThresholdScaling=0.1 -cp "$cp" StartupFloor run 1080 8443 $tls ;;
  *) exec "$java" \$jvm -XX:CICompilerCount=1 -cp "$cp" StartupFloor exit ;;
esac
FLOOR
  chmod +x "$floor/bin/anytls4j"
}

if [[ " $SECTIONS " == *" startup "* ]]; then
  {
    echo "client|$P_CLIENT|client -c $OUT_DIR/client.conf"
    echo "server|$P_SERVER|server -c $OUT_DIR/server.conf"
    echo "check||check -c $OUT_DIR/client.conf"
    echo "help||-h"
  } > "$OUT_DIR/startup-cases.txt"
  embedded=${STARTUP_EMBEDDED:-auto}
  if [ "$embedded" = auto ]; then
    embedded=1
    ss -ltnH '( sport = :1080 or sport = :8443 )' 2>/dev/null | grep -q . && embedded=0
  fi
  if [ "$embedded" = 1 ]; then
    echo "run|1080,8443|run" >> "$OUT_DIR/startup-cases.txt"
  else
    echo "bench: leaving out 'run' (embedded default): port 1080 or 8443 is in use" >&2
  fi
  variants=()
  while IFS= read -r v; do
    [ -n "$v" ] && variants+=("$v")
  done <<< "${STARTUP_VARIANTS:-now|$DIST|${JAVA_OPTS:-}}"
  if [ "${STARTUP_FLOOR:-1}" = 1 ]; then
    build_floor && variants+=("floor|$OUT_DIR/floor|")
  fi
  echo "bench: start-up, ${STARTUP_REPS:-5} launches of each case per variant; load average before:$(uptime | sed 's/.*load average://')" >&2
  python3 "$ROOT/distribution/src/bench/startup.py" "$OUT_DIR" "${STARTUP_REPS:-5}" "$OUT_DIR/startup-cases.txt" \
    "${variants[@]}" > "$OUT_DIR/startup.md"
  echo "start-up (load average after:$(uptime | sed 's/.*load average://')):"
  cat "$OUT_DIR/startup.md"
  echo
  SECTIONS=$(echo " $SECTIONS " | sed 's/ startup / /; s/^ *//; s/ *$//')
  [ -n "$SECTIONS" ] || exit 0
fi

start_anytls4j() {  # name, port -> sets STARTED_PID
  local opts=${JAVA_OPTS:-}
  if [ "${JFR:-0}" = 1 ]; then
    opts="$opts -XX:StartFlightRecording=settings=profile,filename=$OUT_DIR/$1.jfr,dumponexit=true"
  fi
  JAVA_OPTS=$opts "$DIST/bin/anytls4j" run -c "$OUT_DIR/$1.conf" > "$OUT_DIR/$1.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_listen "$2" "$STARTED_PID" "$1"
}

# CPU time in clock ticks: a process's own (user + system), and that of this shell's waited-for children.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_ticks() { awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
TICKS=$(getconf CLK_TCK 2>/dev/null || echo 100)

run() {  # path, label, tcpbench client args...
  local path=$1 label=$2 out sink=$SINK_PID tool0 sink0 tool_s sink_s
  shift 2
  [ "$path" = tls ] && sink=$TLS_SINK_PID
  tool0=$(child_ticks); sink0=$(cpu_ticks "$sink")
  out=$("$TCPBENCH" client "$@" --max-seconds 300 2>&1) || {
    echo "[$path $label] FAILED: $out" >&2
    echo "$path $label" >> "$OUT_DIR/failures.txt"
    return 0
  }
  # the CPU of the two ends outside the path (tcpbench's client, the sink), for the bulk CPU budget below
  tool_s=$(awk -v a="$tool0" -v b="$(child_ticks)" -v t="$TICKS" 'BEGIN { printf "%.2f", (b - a) / t }')
  sink_s=$(awk -v a="$sink0" -v b="$(cpu_ticks "$sink")" -v t="$TICKS" 'BEGIN { printf "%.2f", (b - a) / t }')
  echo "[$path $label] $(echo "$out" | grep -v '^JSON' | head -3)" >&2
  echo "$out" | sed -n 's/^JSON //p' \
    | sed "s/^{/{\"label\":\"$label\",\"tag\":\"$path\",\"tool_cpu_s\":$tool_s,\"sink_cpu_s\":$sink_s,/" >> "$RESULTS"
}

stop_pid() {  # pid: SIGTERM and wait
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# The same pair as (c), on its own ports, for the sections that need fresh processes.
write_pair() {  # name prefix, server port, client port, extra client keys
  sed -e "s/listen_port = $P_SERVER/listen_port = $2/" "$OUT_DIR/server.conf" > "$OUT_DIR/$1-server.conf"
  sed -e "s/listen_port = $P_CLIENT/listen_port = $3/" -e "s/server_port = $P_SERVER/server_port = $2/" \
    -e "s|^  tls { server_name|  $4\n  tls { server_name|" "$OUT_DIR/client.conf" > "$OUT_DIR/$1-client.conf"
}

rss_kib() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
heap_kib() {  # used heap after a full GC (every generation), from jcmd; empty when jcmd is missing
  command -v jcmd >/dev/null || return 0
  jcmd "$1" GC.run > /dev/null 2>&1 || return 0
  jcmd "$1" GC.heap_info 2>/dev/null \
    | awk 'match($0, /total [0-9]+K, used [0-9]+K/) { split(substr($0, RSTART, RLENGTH), f, /[ K,]+/); sum += f[4] }
           END { if (sum) print sum }'
}
established() { ss -tnH state established "( sport = :$1 )" 2>/dev/null | wc -l; }

# ---- cold: the first connections a user makes after a restart, through fresh processes -------------------------
if [[ " $SECTIONS " == *" cold "* ]]; then
  write_pair cold "$P_COLD_SERVER" "$P_COLD_CLIENT" ""
  echo "bench: cold latency, $COLD_REPS fresh pairs x $COUNT connections; load average:$(uptime | sed 's/.*load average://')" >&2
  for i in $(seq "$COLD_REPS"); do
    start_anytls4j cold-server "$P_COLD_SERVER"; cs=$STARTED_PID
    start_anytls4j cold-client "$P_COLD_CLIENT"; cc=$STARTED_PID
    run anytls cold-latency --target 127.0.0.1:$P_SINK --socks 127.0.0.1:$P_COLD_CLIENT --rss-pids "$cs,$cc" \
      --test latency --count "$COUNT"
    stop_pid "$cc"; stop_pid "$cs"
  done
  SECTIONS=$(echo " $SECTIONS " | sed 's/ cold / /')
fi

# ---- idlepool: memory of IDLE_SESSIONS idle pooled sessions, beyond the same client with none and with a few ------
if [[ " $SECTIONS " == *" idlepool "* ]]; then
  write_pair idle0 "$P_IDLE_SERVER" "$P_IDLE_CLIENT" ""
  write_pair idleB "$P_IDLE_SERVER" "$P_IDLE_CLIENT" \
    "ensure_idle_session = $IDLE_BASE_SESSIONS, min_idle_session = $IDLE_BASE_SESSIONS, idle_session_timeout = 1h"
  write_pair idleN "$P_IDLE_SERVER" "$P_IDLE_CLIENT" \
    "ensure_idle_session = $IDLE_SESSIONS, min_idle_session = $IDLE_SESSIONS, idle_session_timeout = 1h"
  sed -i "s/^  tls { certificate_path/  max_streams_per_session = 1024\n  tls { certificate_path/" "$OUT_DIR/idle0-server.conf"
  echo "bench: idle pool, 0, $IDLE_BASE_SESSIONS and $IDLE_SESSIONS sessions, readings ${IDLE_SETTLE:-2} s after; load average:$(uptime | sed 's/.*load average://')" >&2
  start_anytls4j idle0-server "$P_IDLE_SERVER"; is=$STARTED_PID
  : > "$OUT_DIR/idlepool.txt"
  for variant in idle0 idleB idleN; do
    start_anytls4j "$variant-client" "$P_IDLE_CLIENT"; ic=$STARTED_PID
    case $variant in idle0) want=0 ;; idleB) want=$IDLE_BASE_SESSIONS ;; idleN) want=$IDLE_SESSIONS ;; esac
    for _ in $(seq 1200); do  # up to 120 s for the pool to fill
      [ "$(established "$P_IDLE_SERVER")" -ge "$want" ] && break
      sleep 0.1
    done
    got=$(established "$P_IDLE_SERVER")
    sleep "${IDLE_SETTLE:-2}"  # let the last handshakes' garbage become collectable before the readings
    echo "$variant sessions=$got client_rss_kib=$(rss_kib "$ic") client_heap_kib=$(heap_kib "$ic") server_rss_kib=$(rss_kib "$is") server_heap_kib=$(heap_kib "$is")" \
      | tee -a "$OUT_DIR/idlepool.txt" >&2
    stop_pid "$ic"
    for _ in $(seq 100); do [ "$(established "$P_IDLE_SERVER")" -eq 0 ] && break; sleep 0.1; done
  done
  stop_pid "$is"
  python3 - "$OUT_DIR/idlepool.txt" <<'PY' > "$OUT_DIR/idlepool.md"
import sys
rows = {}
for line in open(sys.argv[1]):
    name, *kv = line.split()
    rows[name] = {k: (int(v) if v else None) for k, v in (x.split("=", 1) for x in kv)}
none, few, full = rows["idle0"], rows["idleB"], rows["idleN"]
n, m = full["sessions"] - none["sessions"], full["sessions"] - few["sessions"]
print("| idle pool | no session KiB | %d sessions KiB | %d sessions KiB | per session from none KiB | per session from %d KiB |"
      % (few["sessions"], full["sessions"], few["sessions"]))
print("|---|---|---|---|---|---|")
def per(a, b, k):
    return "-" if a is None or b is None or k <= 0 else "%.1f" % ((b - a) / k)
for key, label in (("client_rss_kib", "client RSS"), ("client_heap_kib", "client heap (after GC)"),
                   ("server_rss_kib", "server RSS"), ("server_heap_kib", "server heap (after GC)")):
    a, b, f = none.get(key), few.get(key), full.get(key)
    print("| %s | %s | %s | %s | %s | %s |" % (label, "-" if a is None else a, "-" if b is None else b,
                                             "-" if f is None else f, per(a, f, n), per(b, f, m)))
PY
  echo "idle pool (load average after:$(uptime | sed 's/.*load average://')):"
  cat "$OUT_DIR/idlepool.md"
  echo
  SECTIONS=$(echo " $SECTIONS " | sed 's/ idlepool / /')
fi
# ---- fill: how long a client takes from its launch to FILL_SESSIONS pre-created sessions over a link with a round
# trip, by session_create_concurrency, and its memory once they are all pooled ---------------------------------------
if [[ " $SECTIONS " == *" fill "* ]]; then
  write_pair fill0 "$P_IDLE_SERVER" "$P_IDLE_CLIENT" ""
  sed -i "s/^  tls { certificate_path/  max_streams_per_session = 1024\n  tls { certificate_path/" "$OUT_DIR/fill0-server.conf"
  echo "bench: fill, $FILL_SESSIONS sessions, round trips ($FILL_RTTS) ms, session_create_concurrency ($FILL_CONCURRENCY); load average:$(uptime | sed 's/.*load average://')" >&2
  start_anytls4j fill0-server "$P_IDLE_SERVER"; fs=$STARTED_PID
  : > "$OUT_DIR/fill.txt"
  for rtt in $FILL_RTTS; do
    python3 "$ROOT/distribution/src/bench/delayrelay.py" "$P_FILL_RELAY" "$P_IDLE_SERVER" "$rtt" \
      > "$OUT_DIR/fill-relay-$rtt.log" 2>&1 &
    fr=$!; PIDS+=("$fr"); wait_listen "$P_FILL_RELAY" "$fr" "fill-relay-$rtt"
    for conc in $FILL_CONCURRENCY; do
      name=fill-$rtt-$conc
      write_pair "$name" "$P_FILL_RELAY" "$P_IDLE_CLIENT" "ensure_idle_session = $FILL_SESSIONS, min_idle_session = $FILL_SESSIONS, idle_session_timeout = 1h, session_create_concurrency = $conc"
      echo "admin { enabled = true, listen_port = $P_FILL_ADMIN }" >> "$OUT_DIR/$name-client.conf"
      launched=$(date +%s.%N)
      start_anytls4j "$name-client" "$P_IDLE_CLIENT"; fc=$STARTED_PID
      # from the launch (the pool starts creating before the inbound listens) to every session pooled and idle,
      # read from the client's own /pool every 50 ms (up to 300 s)
      seconds=$(python3 - "$P_FILL_ADMIN" "$FILL_SESSIONS" "$launched" <<'PY'
import json, sys, time, urllib.request
port, want, launched = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
while time.time() - launched < 300:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/pool" % port, timeout=5) as answer:
            if sum(o.get("idle", 0) for o in json.load(answer)["outbounds"]) >= want:
                print("%.2f" % (time.time() - launched))
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
print("timeout")
PY
)
      echo "rtt_ms=$rtt concurrency=$conc sessions=$FILL_SESSIONS fill_s=$seconds client_rss_kib=$(rss_kib "$fc")" \
        | tee -a "$OUT_DIR/fill.txt" >&2
      stop_pid "$fc"
      for _ in $(seq 100); do [ "$(established "$P_IDLE_SERVER")" -eq 0 ] && break; sleep 0.1; done
    done
    stop_pid "$fr"
  done
  stop_pid "$fs"
  python3 - "$OUT_DIR/fill.txt" <<'PY' > "$OUT_DIR/fill.md"
import collections, sys
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1])]
rtts = list(dict.fromkeys(r["rtt_ms"] for r in rows))
concs = list(dict.fromkeys(r["concurrency"] for r in rows))
cell = {(r["rtt_ms"], r["concurrency"]): r for r in rows}
print("| session_create_concurrency | " + " | ".join("launch to all pooled s, RTT %s ms" % t for t in rtts)
      + " | client RSS MiB (RTT %s ms) |" % rtts[0])
print("|---|" + "---|" * (len(rtts) + 1))
for c in concs:
    fills = [cell[(t, c)]["fill_s"] if (t, c) in cell else "-" for t in rtts]
    rss = cell.get((rtts[0], c), {}).get("client_rss_kib")
    print("| %s | %s | %s |" % ("0 (all at once)" if c == "0" else c, " | ".join(fills),
                                "-" if not rss else "%.1f" % (int(rss) / 1024)))
PY
  echo "fill, $FILL_SESSIONS sessions (load average after:$(uptime | sed 's/.*load average://')):"
  cat "$OUT_DIR/fill.md"
  echo
  SECTIONS=$(echo " $SECTIONS " | sed 's/ fill / /')
fi
SECTIONS=$(echo "$SECTIONS" | sed 's/^ *//; s/ *$//')
[ -n "$SECTIONS" ] || exit 0

declare -A PROC
for p in $PATHS; do
  case $p in
    anytls) start_anytls4j server $P_SERVER; PROC[server]=$STARTED_PID
            start_anytls4j client $P_CLIENT; PROC[client]=$STARTED_PID ;;
    relay)  start_anytls4j relay $P_RELAY; PROC[relay]=$STARTED_PID ;;
    cpipe)  "$TLSPIPE" server --listen 127.0.0.1:$P_PIPE_SERVER --connect 127.0.0.1:$P_SINK \
              --tls-cert "$OUT_DIR/cert.pem" --tls-key "$OUT_DIR/key.pem" > "$OUT_DIR/pipe-server.log" 2>&1 &
            PROC[pipe_server]=$!; PIDS+=($!); wait_listen $P_PIPE_SERVER $! pipe-server
            "$TLSPIPE" client --listen 127.0.0.1:$P_PIPE_CLIENT --connect 127.0.0.1:$P_PIPE_SERVER \
              > "$OUT_DIR/pipe-client.log" 2>&1 &
            PROC[pipe_client]=$!; PIDS+=($!); wait_listen $P_PIPE_CLIENT $! pipe-client ;;
    direct|tls) ;;
    *) die "unknown path '$p' in PATHS (direct tls anytls relay cpipe)" ;;
  esac
done

# ---- measurements ------------------------------------------------------------------------------------------

path_args() {  # path -> the tcpbench options reaching the sink through it
  case $1 in
    direct) echo "--target 127.0.0.1:$P_SINK" ;;
    tls)    echo "--target 127.0.0.1:$P_TLS_SINK --tls" ;;
    anytls) echo "--target 127.0.0.1:$P_SINK --socks 127.0.0.1:$P_CLIENT --rss-pids ${PROC[server]},${PROC[client]}" ;;
    relay)  echo "--target 127.0.0.1:$P_SINK --socks 127.0.0.1:$P_RELAY --rss-pids ${PROC[relay]}" ;;
    cpipe)  echo "--target 127.0.0.1:$P_PIPE_CLIENT --rss-pids ${PROC[pipe_server]},${PROC[pipe_client]}" ;;
  esac
}

warm_up() {  # path: a bulk transfer each way, then short latency and concurrent rounds, all unrecorded
  local p=$1 d
  # shellcheck disable=SC2046
  for d in down up; do
    "$TCPBENCH" client $(path_args "$p") --test bulk --dir $d --bytes "$WARMUP" --max-seconds 300 > /dev/null \
      || echo "bench: warm-up bulk-$d through $p FAILED" >&2
    "$TCPBENCH" client $(path_args "$p") --test concurrent --conns "$CONNS" --bytes 1M --dir $d --max-seconds 300 \
      > /dev/null || echo "bench: warm-up concurrent-$d through $p FAILED" >&2
  done
  "$TCPBENCH" client $(path_args "$p") --test latency --count "$COUNT" --max-seconds 300 > /dev/null \
    || echo "bench: warm-up latency through $p FAILED" >&2
}
if [ "$WARMUP" != 0 ]; then
  for p in $PATHS; do
    case $p in
      anytls|relay) echo "bench: warming up $p ($WARMUP each way)" >&2; warm_up "$p" ;;
    esac
  done
fi

for section in $SECTIONS; do
  for p in $PATHS; do
    # shellcheck disable=SC2046
    case $section in
      bulk)
        for d in down up; do for _ in $(seq "$REPS"); do
          run "$p" bulk-$d $(path_args "$p") --test bulk --dir $d --bytes "$BULK"
        done; done ;;
      latency)
        run "$p" latency $(path_args "$p") --test latency --count "$COUNT" ;;
      concurrent)
        for d in down up; do
          run "$p" concurrent-$CONNS-$d $(path_args "$p") --test concurrent --conns "$CONNS" --bytes 1M --dir $d
        done ;;
      *) die "unknown section '$section' in SECTIONS (startup cold idlepool fill bulk latency concurrent)" ;;
    esac
  done
done

# ---- report ------------------------------------------------------------------------------------------------
echo "machine: $(nproc) cores, $(uname -srm), $(java -version 2>&1 | head -1); load average at the end:$(uptime | sed 's/.*load average://')"
echo "anytls4j: $DIST, JAVA_OPTS='${JAVA_OPTS:-}', log level $LOG_LEVEL"
grep -h -i 'tls.*engine\|transport=' "$OUT_DIR"/*.log 2>/dev/null | sed 's/^/log: /' | sort -u || true
echo
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def pick(path, label):
    return [r for r in rows if r["tag"] == path and r["label"] == label]
def med(rs, key):
    return statistics.median(r[key] for r in rs) if rs else None
def fmt(v, unit=""):
    return "-" if v is None else ("%.3f%s" % (v, unit) if v < 10 else "%.0f%s" % (v, unit))
def ratio(x, y):
    return "-" if x is None or y is None or y == 0 else "%.2f" % (x / y)
def rss(rs):
    if not rs or not rs[-1]["procs"]:
        return "-"
    n = len(rs[-1]["procs"])
    return " + ".join("%.0f" % (max(r["procs"][i]["rss_peak_kib"] for r in rs) / 1024) for i in range(n))
def cpu(rs):
    if not rs or not rs[-1]["procs"]:
        return "-"
    return "%.2f" % statistics.median(sum(p["cpu_s"] for p in r["procs"]) for r in rs)
labels = []
for r in rows:
    if r["label"] not in labels:
        labels.append(r["label"])
print("| test | metric | (a) direct | (b) TLS hop | (c) anytls4j | (d) SOCKS relay | (e) (c) in C | (c)/(b) | (c)/(e) | (e)/(b) | (c)/(a) | (d)/(a) | RSS peak MiB (c: server + client / d) | CPU s (c / d / e) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for label in labels:
    t = next(r["test"] for r in rows if r["label"] == label)
    metrics = {"bulk": [("MiB/s", "mib_s")],
               "latency": [("p50 ms", "p50_ms"), ("p99 ms", "p99_ms")],
               "concurrent": [("aggregate MiB/s", "aggregate_mib_s"), ("done p99 s", "done_p99_s")]}[t]
    for name, key in metrics:
        a, b, c, d, e = (med(pick(p, label), key) for p in ("direct", "tls", "anytls", "relay", "cpipe"))
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s / %s |" % (
            label, name, fmt(a), fmt(b), fmt(c), fmt(d), fmt(e), ratio(c, b), ratio(c, e), ratio(e, b),
            ratio(c, a), ratio(d, a), rss(pick("anytls", label)), rss(pick("relay", label)),
            cpu(pick("anytls", label)), cpu(pick("relay", label)), cpu(pick("cpipe", label))))
EOF
python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def p50(path, label):
    v = [r["p50_ms"] for r in rows if r["tag"] == path and r["label"] == label]
    return statistics.median(v) if v else None
cold, warm, tls = p50("anytls", "cold-latency"), p50("anytls", "latency"), p50("tls", "latency")
if cold and warm:
    print("cold p50 (fresh processes) / warm p50 of anytls4j: %.2f (target <= 1.5)" % (cold / warm))
if warm and tls:
    print("warm p50 of anytls4j / one TLS hop's p50: %.2f (target <= 1.0)" % (warm / tls))
# Bulk transfers are CPU-bound here: every process of a path shares the machine's cores. CPU seconds per GiB of
# each process on the path, median over the reps; when both paths are CPU-bound, the ratio of their totals is about
# the share of the TLS hop's throughput that the anytls4j path can reach. The same for (c)'s topology in C (cpipe):
# the TLS hop's total over its total is about the most of the TLS hop that any implementation of (c) can reach here.
budget = []
for label in sorted({r["label"] for r in rows if r["test"] == "bulk"}):
    totals = {}
    for path in ("tls", "anytls", "cpipe"):
        rs = [r for r in rows if r["tag"] == path and r["label"] == label and "tool_cpu_s" in r]
        if not rs:
            continue
        per = lambda r, v: v * 2**30 / r["bytes"]
        proxies = lambda r: sum(p["cpu_s"] for p in r["procs"])
        totals[path] = [statistics.median(per(r, f(r)) for r in rs) for f in (
            lambda r: r["tool_cpu_s"], lambda r: r["sink_cpu_s"], proxies,
            lambda r: r["tool_cpu_s"] + r["sink_cpu_s"] + proxies(r))]
    if "tls" in totals and "anytls" in totals:
        budget.append((label, totals["tls"], totals["anytls"], totals.get("cpipe")))
if budget:
    print()
    print("| CPU s per GiB (median) | TLS hop: tcpbench + sink = total | anytls4j: tcpbench + sink + server & client = total | (c) in C: tcpbench + sink + both pipes = total | TLS hop total / anytls4j total | TLS hop total / C total | C total / anytls4j total |")
    print("|---|---|---|---|---|---|---|")
    for label, t, a, c in budget:
        in_c = "%.2f + %.2f + %.2f = %.2f" % (c[0], c[1], c[2], c[3]) if c else "-"
        print("| %s | %.2f + %.2f = %.2f | %.2f + %.2f + %.2f = %.2f | %s | %.2f | %s | %s |" % (
            label, t[0], t[1], t[3], a[0], a[1], a[2], a[3], in_c, t[3] / a[3],
            "%.2f" % (t[3] / c[3]) if c else "-", "%.2f" % (c[3] / a[3]) if c else "-"))
EOF
if [ -s "$OUT_DIR/failures.txt" ]; then
  echo
  echo "FAILED runs (not in the tables): $(sort "$OUT_DIR/failures.txt" | uniq -c | tr '\n' ';')"
fi
echo
if [ -f "$SUMMARIZE" ]; then
  python3 "$SUMMARIZE" "$RESULTS"
else
  echo "(summarize.py not found at $SUMMARIZE: set SUMMARIZE for its table; raw results in $RESULTS)"
fi
echo
echo "results: $RESULTS"
