#!/usr/bin/env bash
# bench/ingress.sh: the same load direct to a colmeia replica, through the colmeia ingress and through
# HAProxy (Debian package, reading the MQTT CONNECT and sticking on the client id), alternating targets in
# one run; then memory per idle proxied connection and how fast a frozen replica leaves the rotation.
# Everything runs on loopback (127.x); every process this script starts is stopped when it ends (also on
# Ctrl-C); every step is bounded in time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/ingress.sh [options]

Starts one colmeia broker replica (in-memory persistence, telemetry off), one colmeia ingress in front of
it and one HAProxy (Debian package; mode tcp, waits for a valid MQTT CONNECT, sticks on its client id,
MQTT CONNECT/CONNACK health check with the same interval/timeout/failures as the ingress), all on
loopback. Then:

  1. throughput: `colmeia bench throughput` at QoS 1, full speed, targets ingress, direct, haproxy
     alternating (A B C A B C ...) after an uncounted warm-up per target; ratios ingress/direct and
     ingress/haproxy per round and their median.
  2. latency: the same, paced (--paced-rate msg/s in total, far below saturation); added p99 =
     p99(ingress) - p99(direct) (and - p99(haproxy)), per round and median. End-to-end latency
     (publish -> subscriber) and ack latency (publish -> PUBACK) are both reported.
  3. memory: `colmeia emulate --devices N --interval 10s` through the ingress (then through HAProxy);
     heap (after a full GC: jcmd GC.run + GC.heap_info) and RSS (/proc/PID/status VmRSS) of the proxy
     before and with the N connections, minus the idle baseline, divided by N.
  4. frozen replica: SIGSTOP the replica (the kernel still accepts TCP) and time until the ingress
     (/metrics colmeia_ingress_replica_healthy) and HAProxy (stats socket) mark it down; then SIGCONT.
  5. nagle: QoS 1 at full speed with clients that leave Nagle on (`colmeia bench --no-tcp-nodelay`, like
     MQTT.js / Node-RED), targets ingress, a second ingress with --tcp-quickack false, and direct. When
     tshark is installed, the client side of both ingresses is captured on lo (port filter) and the delay
     between a client's segment and the ingress's ACK of it is reported (tcp.analysis.ack_rtt).

Options:
  --quick               short runs: warm-up 3s, 4 rounds of at most 5s / 100k messages per full-speed run
  --rounds N            measured rounds per target (default: 3; --quick: 4)
  --duration D          publishing time per run, e.g. 10s (default: 10s; --quick: 5s)
  --warmup D            uncounted warm-up per target (default: 5s; --quick: 3s)
  --max-messages N      messages per full-speed run at most (default: 200000; --quick: 100000). Above
                        ~100k at full speed, the colmeia replica acknowledges everything but drops
                        messages to the subscriber (queue_full) on every path: then it measures the
                        broker, not the proxy
  --paced-rate N        total msg/s of the latency phase (default: 2000)
  --connections N       idle connections of the memory phase (default: 9000; each costs the proxy 2
                        file descriptors, the hard limit here is 20,000 per process)
  --probe-interval D    ingress probe interval (default: 1s, the ingress default); HAProxy `inter`
  --probe-timeout D     ingress probe timeout (default: 1500ms, the ingress default); HAProxy `timeout check`
  --probe-failures N    failures that mark a replica down (default: 2); HAProxy `fall`
  --phases LIST         comma-separated from throughput,latency,memory,freeze,nagle (default: all)
  --no-haproxy          measure direct and ingress only
  --base-port P         first of the loopback ports used (default: 18850; uses P..P+9)
  --ingress-nice N      the ingress's --cpu-nice (default: its own default, 10; 0 measures it at normal
                        priority; COLMEIA_CPU_NICE too)
  --compare-nice0       throughput and latency phases: also measure a second ingress at normal priority
                        (--cpu-nice 0, target "ingress-nice0", 127.0.1.56) in the same rounds
  --ingress-java-opts S JVM options of the ingress (default: the recommended ones in docs/ingress.md,
                        "-Xms64m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"; COLMEIA_INGRESS_JAVA_OPTS too)
  --out DIR             where the JSON reports and the summary go (default: bench/results)
  -h, --help            this help

Measure on a quiet machine: one benchmark at a time (see docs/benchmarks.md).
EOF
}

quick=false
rounds=""; duration=""; warmup=""; max_messages=""
paced_rate=2000
connections=9000
probe_interval=1s; probe_timeout=1500ms; probe_failures=2
phases="throughput,latency,memory,freeze,nagle"
ingress_java_opts=${COLMEIA_INGRESS_JAVA_OPTS:--Xms64m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}
with_haproxy=true
ingress_nice=${COLMEIA_CPU_NICE:-}
compare_nice0=false
base_port=18850
out="$root/bench/results"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --max-messages) max_messages="$2"; shift ;;
        --paced-rate) paced_rate="$2"; shift ;;
        --connections) connections="$2"; shift ;;
        --probe-interval) probe_interval="$2"; shift ;;
        --probe-timeout) probe_timeout="$2"; shift ;;
        --probe-failures) probe_failures="$2"; shift ;;
        --phases) phases="$2"; shift ;;
        --no-haproxy) with_haproxy=false ;;
        --base-port) base_port="$2"; shift ;;
        --ingress-java-opts) ingress_java_opts="$2"; shift ;;
        --ingress-nice) ingress_nice="$2"; shift ;;
        --compare-nice0) compare_nice0=true ;;
        --out) out="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/ingress.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
    shift
done

if $quick; then
    : "${rounds:=4}" "${duration:=5s}" "${warmup:=3s}" "${max_messages:=100000}"
else
    : "${rounds:=3}" "${duration:=10s}" "${warmup:=5s}" "${max_messages:=200000}"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
case "$rounds$paced_rate$connections$probe_failures$base_port$max_messages$ingress_nice" in
    *[!0-9]*) echo "bench/ingress.sh: numbers expected" >&2; exit 2 ;;
esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench/ingress.sh: --rounds must be 1..20" >&2; exit 2; }
[ "$connections" -ge 1 ] && [ "$connections" -le 9500 ] || {
    echo "bench/ingress.sh: --connections must be 1..9500 (2 fds each, 20,000 per process)" >&2; exit 2; }
[ "$base_port" -ge 1024 ] && [ "$base_port" -le 64990 ] || { echo "bench/ingress.sh: --base-port 1024..65000" >&2; exit 2; }
probe_interval_s=$(seconds_of "$probe_interval"); probe_timeout_s=$(seconds_of "$probe_timeout")
has_phase() { case ",$phases," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# Every proxied connection costs 2 file descriptors: raise the soft limit up to the hard one (20,000 here).
hard=$(ulimit -Hn)
want=20000
[ "$hard" != unlimited ] && [ "$hard" -lt "$want" ] && want=$hard
ulimit -n "$want" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( 2 * connections + 500 )) ]; then
    echo "bench/ingress.sh: open-file limit $(ulimit -n) is below 2 x $connections + 500; lower --connections" >&2
    exit 1
fi

# loopback only: every address below is 127.0.1.x
broker_host=127.0.1.51; ingress_host=127.0.1.52; haproxy_host=127.0.1.53; emu_host=127.0.1.54
broker_port=$base_port; broker_http=$((base_port + 1))
ingress_port=$((base_port + 2)); ingress_http=$((base_port + 3))
haproxy_port=$((base_port + 4)); emu_http=$((base_port + 5))
noqa_host=127.0.1.55; noqa_port=$((base_port + 6)); noqa_http=$((base_port + 7))
nice0_host=127.0.1.56; nice0_port=$((base_port + 8)); nice0_http=$((base_port + 9))

jar="$root/launcher/target/colmeia.jar"
[ -f "$jar" ] || { echo "bench/ingress.sh: $jar is missing; build it (./colmeia --help builds it)" >&2; exit 1; }

bench_workdir ingress
broker_pid=""
before_cleanup() { [ -n "$broker_pid" ] && kill -CONT "$broker_pid" 2>/dev/null || true; } # a frozen replica cannot stop

for hp in "$broker_host:$broker_port" "$broker_host:$broker_http" "$ingress_host:$ingress_port" \
          "$ingress_host:$ingress_http" "$haproxy_host:$haproxy_port" "$emu_host:$emu_http" \
          "$noqa_host:$noqa_port" "$noqa_host:$noqa_http" "$nice0_host:$nice0_port" "$nice0_host:$nice0_http"; do
    port_in_use "${hp%:*}" "${hp##*:}" && { echo "bench/ingress.sh: $hp is in use; pick --base-port" >&2; exit 1; }
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
heap_used_kib() { # live heap after a full GC
    timeout 30 "$jcmd_bin" "$1" GC.run >/dev/null 2>&1 || true
    sleep 1
    # G1: "garbage-first heap total .., used N K"; Serial/Parallel: one line per generation: sum them
    timeout 30 "$jcmd_bin" "$1" GC.heap_info 2>/dev/null | awk '/(heap|generation|gen) +total/ {
        for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); sum += v; found = 1 } }
        END { if (found) print sum }' || true
}
metric() { # url, metric regex -> first value
    { curl -fsS --max-time 2 "$1" 2>/dev/null || true; } | awk -v re="$2" '$0 !~ /^#/ && $1 ~ re && !done {print $2; done = 1}'
}

# ---- HAProxy from Debian ----
if $with_haproxy && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench/ingress.sh: installing haproxy (Debian) ..." >&2
        timeout 300 apt-get install -y -q haproxy >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
    else
        echo "bench/ingress.sh: haproxy is not installed (Debian: apt-get install -y haproxy), or use --no-haproxy" >&2
        exit 1
    fi
fi

echo "machine: $(nproc) cores, $(uname -sr), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $("$java_bin" -version 2>&1 | head -n 1); load now: $(cut -d' ' -f1-3 /proc/loadavg); open files $(ulimit -n)"

# ---- the replica: one colmeia broker ----
"$java_bin" ${COLMEIA_BROKER_JAVA_OPTS:--Xmx1g} -jar "$jar" broker --node-id bench-replica \
    --mqtt "$broker_host:$broker_port" --http "$broker_host:$broker_http" --persistence memory \
    --telemetry off --data-dir "$work/broker" --log-level WARN >"$work/broker.log" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
wait_for_port "$broker_host" "$broker_port" 180 || { echo "bench/ingress.sh: broker did not start:" >&2; tail -n 30 "$work/broker.log" >&2; exit 1; }
for _ in $(seq 1 100); do curl -fsS "http://$broker_host:$broker_http/ready" >/dev/null 2>&1 && break; sleep 0.2; done
echo "replica: colmeia broker (in-memory, telemetry off) on $broker_host:$broker_port (pid $broker_pid)"

# ---- the colmeia ingress ----
"$java_bin" $ingress_java_opts -jar "$jar" ingress --node-id bench-ingress \
    --mqtt "$ingress_host:$ingress_port" --http "$ingress_host:$ingress_http" \
    --replicas "$broker_host:$broker_port" --max-connections $(( connections + 200 )) \
    --probe-interval "$probe_interval" --probe-timeout "$probe_timeout" --probe-failures "$probe_failures" \
    ${ingress_nice:+--cpu-nice "$ingress_nice"} --log-level WARN >"$work/ingress.log" 2>&1 &
ingress_pid=$!
pids+=("$ingress_pid")
wait_for_port "$ingress_host" "$ingress_port" 120 || { echo "bench/ingress.sh: ingress did not start:" >&2; tail -n 30 "$work/ingress.log" >&2; exit 1; }
for _ in $(seq 1 150); do curl -fsS "http://$ingress_host:$ingress_http/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$ingress_host:$ingress_http/ready" >/dev/null 2>&1 || { echo "bench/ingress.sh: ingress not ready (no healthy replica?)" >&2; tail -n 30 "$work/ingress.log" >&2; exit 1; }
echo "ingress: colmeia ingress on $ingress_host:$ingress_port -> $broker_host:$broker_port (pid $ingress_pid; JVM $ingress_java_opts; nice $(metric "http://$ingress_host:$ingress_http/metrics" '^colmeia_ingress_cpu_nice'))"

# ---- HAProxy: reads the MQTT CONNECT, sticks on the client id, MQTT CONNECT/CONNACK check ----
haproxy_pid=""
if $with_haproxy; then
    haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
    # CONNECT 3.1.1, clean session, keepalive 60 s, client id "hc"; expect CONNACK accepted; DISCONNECT
    cat >"$work/haproxy.cfg" <<EOF
global
    maxconn $(( connections + 200 ))
    nbthread 2
    stats socket $work/haproxy.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 5s
    # EMQX's advice: > 1.2 x keepalive (60 s); the ingress does not cut idle connections either
    timeout client 240s
    timeout server 240s
    timeout check $probe_timeout
frontend mqtt
    bind $haproxy_host:$haproxy_port
    tcp-request inspect-delay 10s
    tcp-request content reject unless { req.payload(0,0),mqtt_is_valid }
    default_backend replicas
backend replicas
    stick-table type string len 64 size 100k expire 30m
    stick on req.payload(0,0),mqtt_field_value(connect,client_identifier)
    option tcp-check
    tcp-check connect
    tcp-check send-binary 100e00044d5154540402003c00026863
    tcp-check expect binary 20020000
    tcp-check send-binary e000
    server replica1 $broker_host:$broker_port check inter $probe_interval fall $probe_failures rise 1
EOF
    "$haproxy_bin" -c -f "$work/haproxy.cfg" >"$work/haproxy-check.log" 2>&1 || { cat "$work/haproxy-check.log" >&2; exit 1; }
    "$haproxy_bin" -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_for_port "$haproxy_host" "$haproxy_port" 10 || { echo "bench/ingress.sh: haproxy did not start:" >&2; cat "$work/haproxy.log" >&2; exit 1; }
    echo "haproxy: $("$haproxy_bin" -v | head -n 1) on $haproxy_host:$haproxy_port (pid $haproxy_pid)"
fi

haproxy_status() { # UP / DOWN ... of replica1 from the stats socket
    python3 - "$work/haproxy.sock" <<'PY' 2>/dev/null || echo "?"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"show stat\n"); data = b""
while True:
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
for line in data.decode().splitlines():
    f = line.split(",")
    if len(f) > 17 and f[0] == "replicas" and f[1] == "replica1": print(f[17].split()[0]); break
PY
}

targets="ingress=$ingress_host:$ingress_port,direct=$broker_host:$broker_port"
target_pids="ingress=$ingress_pid,direct=$broker_pid"
if $compare_nice0; then # the same ingress at normal priority, measured in the same rounds
    "$java_bin" $ingress_java_opts -jar "$jar" ingress --node-id bench-ingress-nice0 \
        --mqtt "$nice0_host:$nice0_port" --http "$nice0_host:$nice0_http" --replicas "$broker_host:$broker_port" \
        --probe-interval "$probe_interval" --probe-timeout "$probe_timeout" --probe-failures "$probe_failures" \
        --cpu-nice 0 --log-level WARN >"$work/ingress-nice0.log" 2>&1 &
    nice0_pid=$!
    pids+=("$nice0_pid")
    wait_for_port "$nice0_host" "$nice0_port" 120 || { echo "bench/ingress.sh: nice-0 ingress did not start" >&2; tail -n 20 "$work/ingress-nice0.log" >&2; exit 1; }
    for _ in $(seq 1 150); do curl -fsS "http://$nice0_host:$nice0_http/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    echo "ingress-nice0: the same ingress at normal priority on $nice0_host:$nice0_port (pid $nice0_pid; nice $(metric "http://$nice0_host:$nice0_http/metrics" '^colmeia_ingress_cpu_nice'))"
    targets="$targets,ingress-nice0=$nice0_host:$nice0_port"
    target_pids="$target_pids,ingress-nice0=$nice0_pid"
fi
if $with_haproxy; then
    targets="$targets,haproxy=$haproxy_host:$haproxy_port"
    target_pids="$target_pids,haproxy=$haproxy_pid"
fi
ntargets=$(echo "$targets" | tr ',' '\n' | wc -l)

mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
summary="$out/$stamp-ingress-summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }

per_run=$(( $(seconds_of "$duration") + 40 ))
budget=$(( (rounds + 1) * ntargets * per_run + 60 ))

run_bench() { # name, args...
    local name=$1; shift
    local report="$out/$stamp-ingress-$name.json"
    echo
    echo "=== $name ==="
    set +e
    timeout --kill-after=10 "$budget" "$java_bin" ${COLMEIA_BENCH_JAVA_OPTS:--Xmx512m} -jar "$jar" bench "$@" \
        --target "$targets" --target-pid "$target_pids" \
        --rounds "$rounds" --duration "$duration" --warmup "$warmup" --report "$report" --log-level WARN
    local rc=$?
    set -e
    [ "$rc" -eq 0 ] || echo "bench/ingress.sh: $name ended with status $rc (see the ! notes above)" >&2
    [ -f "$report" ] || return 0
    python3 - "$report" "$name" <<'PY' | tee -a "$summary"
import json, statistics, sys
d = json.load(open(sys.argv[1])); name = sys.argv[2]
runs = {}
for r in d["runs"]:
    runs.setdefault(r["target"], {})[r["round"]] = r
def med(xs): return statistics.median(xs) if xs else float("nan")
def cpu_per_msg(v): # the target process's CPU time per delivered message (cores / (msg/s) = s/msg)
    xs = [r["targetCpuCores"] * 1e6 / r["deliveredPerSecond"] for r in v
          if r["targetCpuCores"] >= 0 and r["deliveredPerSecond"] > 0]
    return f", target cpu/msg {med(xs):.2f} us (per round {['%.2f' % x for x in xs]})" if xs else ""
for t, rs in runs.items():
    v = list(rs.values())
    print(f"{name}: {t:8s} delivered {med([r['deliveredPerSecond'] for r in v]):9.0f} msg/s, acked "
          f"{med([r['ackedPerSecond'] for r in v]):9.0f} msg/s, lost {sum(r['lost'] for r in v)}, "
          f"e2e p50 {med([r['endToEndLatency']['p50Ms'] for r in v]):.2f} p99 {med([r['endToEndLatency']['p99Ms'] for r in v]):.2f} ms, "
          f"ack p50 {med([r['ackLatency']['p50Ms'] for r in v]):.2f} p99 {med([r['ackLatency']['p99Ms'] for r in v]):.2f} ms, "
          f"emulator cpu {med([r['emulatorCpuCores'] for r in v]):.2f}, target cpu {med([r['targetCpuCores'] for r in v]):.2f}"
          f"{cpu_per_msg(v)}")
if "ingress" in runs:
    for other in [t for t in runs if t != "ingress"]:
        rounds = sorted(set(runs["ingress"]) & set(runs[other]))
        ratio = [runs["ingress"][k]["deliveredPerSecond"] / max(runs[other][k]["deliveredPerSecond"], 1e-9) for k in rounds]
        ack_ratio = [runs["ingress"][k]["ackedPerSecond"] / max(runs[other][k]["ackedPerSecond"], 1e-9) for k in rounds]
        dp99 = [runs["ingress"][k]["endToEndLatency"]["p99Ms"] - runs[other][k]["endToEndLatency"]["p99Ms"] for k in rounds]
        dack = [runs["ingress"][k]["ackLatency"]["p99Ms"] - runs[other][k]["ackLatency"]["p99Ms"] for k in rounds]
        dp50 = [runs["ingress"][k]["ackLatency"]["p50Ms"] - runs[other][k]["ackLatency"]["p50Ms"] for k in rounds]
        print(f"{name}: ratio ingress/{other} delivered per round {['%.2f' % x for x in ratio]} median {med(ratio):.2f}; "
              f"acked median {med(ack_ratio):.2f}; added p99 e2e {['%+.2f' % x for x in dp99]} median {med(dp99):+.2f} ms; "
              f"added ack p99 median {med(dack):+.2f} ms, ack p50 median {med(dp50):+.3f} ms")
PY
}

if has_phase throughput; then
    run_bench throughput-qos1 throughput --qos 1 --sub-qos 1 --max-messages "$max_messages"
fi
if has_phase latency; then
    run_bench paced-qos1 throughput --qos 1 --sub-qos 1 --rate "$paced_rate"
fi

# ---- memory per idle proxied connection ----
memory_phase() { # name, pid, host, port
    local name=$1 pid=$2 host=$3 port=$4
    echo
    echo "=== memory: $connections idle connections through $name ==="
    local heap0 rss0 heap1 rss1 emu_pid n=0 t0 t1
    heap0=$(heap_used_kib "$pid"); rss0=$(rss_kib "$pid")
    [ "$name" = haproxy ] && heap0=""
    t0=$(date +%s)
    timeout --kill-after=10 300 "$java_bin" ${COLMEIA_BENCH_JAVA_OPTS:--Xmx512m} -jar "$jar" emulate \
        --node-id "bench-idle-$name" --broker "$host:$port" --devices "$connections" --interval 10s \
        --ramp-rate 1000 --clean-session true --duration 240s --progress 10s --log-level WARN \
        >"$work/emulate-$name.log" 2>&1 &
    emu_pid=$!
    pids+=("$emu_pid")
    # wait until every device is relayed (ingress: its gauge; haproxy: established sockets on its port)
    for _ in $(seq 1 240); do
        if [ "$name" = ingress ]; then
            n=$(metric "http://$ingress_host:$ingress_http/metrics" '^colmeia_ingress_connections_active')
            n=${n%.*}
        else
            n=$(ss -Htn state established "( sport = :$port )" src "$host" 2>/dev/null | wc -l)
        fi
        [ "${n:-0}" -ge "$connections" ] && break
        kill -0 "$emu_pid" 2>/dev/null || break
        sleep 1
    done
    t1=$(date +%s)
    sleep 5 # let the connections settle (first readings relayed)
    rss1=$(rss_kib "$pid")
    [ "$name" = haproxy ] || heap1=$(heap_used_kib "$pid")
    local rss2; rss2=$(rss_kib "$pid") # after the full GC of the heap reading (the JVM may give pages back)
    kill -TERM "$emu_pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$emu_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
    if [ "${n:-0}" -lt "$connections" ]; then
        note "memory $name: only ${n:-0} of $connections connections were established (see below); per-connection figures use ${n:-0}"
        tail -n 5 "$work/emulate-$name.log" | sed 's/^/  emulate: /'
    fi
    [ "${n:-0}" -gt 0 ] || return 0
    local line="memory $name: $n connections (ramp $((t1 - t0)) s): RSS ${rss0} -> ${rss1} KiB = $(( (rss1 - rss0) * 1024 / n )) B/connection"
    [ "$name" = haproxy ] || line="$line (after a full GC: ${rss2} KiB = $(( (rss2 - rss0) * 1024 / n )) B/connection)"
    if [ -n "$heap0" ] && [ -n "${heap1:-}" ]; then
        line="$line; live heap after full GC ${heap0} -> ${heap1} KiB = $(( (heap1 - heap0) * 1024 / n )) B/connection"
    fi
    note "$line"
    sleep 3 # let the replica close the old sessions before the next phase
}
if has_phase memory; then
    memory_phase ingress "$ingress_pid" "$ingress_host" "$ingress_port"
    $with_haproxy && memory_phase haproxy "$haproxy_pid" "$haproxy_host" "$haproxy_port"
fi

# ---- frozen replica: SIGSTOP, time until it is out of rotation ----
if has_phase freeze; then
    echo
    echo "=== frozen replica (SIGSTOP) ==="
    for _ in $(seq 1 60); do
        h=$(metric "http://$ingress_host:$ingress_http/metrics" '^colmeia_ingress_replica_healthy')
        [ "${h%.*}" = 1 ] && break; sleep 0.5
    done
    kill -STOP "$broker_pid"
    t0=$(date +%s%N); ti=""; th=""
    limit=$(( 4 * probe_failures * (probe_interval_s + probe_timeout_s) + 30 ))
    while [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt "$limit" ]; do
        if [ -z "$ti" ]; then
            h=$(metric "http://$ingress_host:$ingress_http/metrics" '^colmeia_ingress_replica_healthy')
            [ "${h%.*}" = 0 ] && ti=$(( ($(date +%s%N) - t0) / 1000000 ))
        fi
        if $with_haproxy && [ -z "$th" ]; then
            [ "$(haproxy_status)" = DOWN ] && th=$(( ($(date +%s%N) - t0) / 1000000 ))
        fi
        [ -n "$ti" ] && { ! $with_haproxy || [ -n "$th" ]; } && break
        sleep 0.1
    done
    kill -CONT "$broker_pid"
    fmt() { [ -n "$1" ] && printf '%d.%01d s' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )) || echo "not within ${limit} s"; }
    note "freeze: probe interval $probe_interval, timeout $probe_timeout, $probe_failures failures: ingress marked the frozen replica down after $(fmt "$ti")$($with_haproxy && echo "; haproxy (same settings) after $(fmt "$th")")"
fi

# ---- Nagle-on clients: ingress (TCP_QUICKACK re-armed) vs ingress without it vs direct ----
if has_phase nagle; then
    echo
    echo "=== nagle: clients with Nagle on (like MQTT.js / Node-RED) ==="
    "$java_bin" $ingress_java_opts -jar "$jar" ingress --node-id bench-ingress-noqa \
        --mqtt "$noqa_host:$noqa_port" --http "$noqa_host:$noqa_http" --replicas "$broker_host:$broker_port" \
        --probe-interval "$probe_interval" --probe-timeout "$probe_timeout" --probe-failures "$probe_failures" \
        --tcp-quickack false --log-level WARN >"$work/ingress-noqa.log" 2>&1 &
    noqa_pid=$!
    pids+=("$noqa_pid")
    wait_for_port "$noqa_host" "$noqa_port" 120 || { echo "bench/ingress.sh: second ingress did not start" >&2; tail -n 20 "$work/ingress-noqa.log" >&2; exit 1; }
    for _ in $(seq 1 150); do curl -fsS "http://$noqa_host:$noqa_http/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    saved_targets=$targets; saved_pids=$target_pids
    targets="ingress=$ingress_host:$ingress_port,ingress-noquickack=$noqa_host:$noqa_port,direct=$broker_host:$broker_port"
    target_pids="ingress=$ingress_pid,ingress-noquickack=$noqa_pid,direct=$broker_pid"
    run_bench nagle-qos1 throughput --qos 1 --sub-qos 1 --no-tcp-nodelay --max-messages "$max_messages"
    capture=""
    tshark_bin=$(command -v tshark || true)
    if [ -n "$tshark_bin" ]; then
        # wire evidence: a short separate run of both ingresses under capture (headers only, both client
        # ports, at most 200 MB)
        capture="$work/nagle.pcap"
        timeout 120 "$tshark_bin" -q -i lo -s 96 -a filesize:200000 \
            -f "tcp port $ingress_port or tcp port $noqa_port" -w "$capture" >"$work/tshark.log" 2>&1 &
        tshark_pid=$!
        pids+=("$tshark_pid")
        sleep 2
        targets="ingress=$ingress_host:$ingress_port,ingress-noquickack=$noqa_host:$noqa_port"
        target_pids="ingress=$ingress_pid,ingress-noquickack=$noqa_pid"
        saved_rounds=$rounds; saved_duration=$duration; saved_warmup=$warmup
        rounds=1; duration=2s; warmup=1s
        run_bench nagle-wire throughput --qos 1 --sub-qos 1 --no-tcp-nodelay --max-messages 30000
        rounds=$saved_rounds; duration=$saved_duration; warmup=$saved_warmup
    else
        note "nagle: tshark is not installed (apt-get install -y tshark): no wire evidence this run"
    fi
    targets=$saved_targets; target_pids=$saved_pids
    if [ -n "$capture" ]; then
        kill -INT "$tshark_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$tshark_pid" 2>/dev/null || break; sleep 0.2; done
        # pure ACKs the ingress sent to clients: time since the client segment they acknowledge
        for pair in "ingress:$ingress_port" "ingress-noquickack:$noqa_port"; do
            name=${pair%%:*}; port=${pair##*:}
            timeout 300 "$tshark_bin" -r "$capture" -Y "tcp.srcport == $port && tcp.len == 0 && tcp.analysis.ack_rtt" \
                -T fields -e tcp.analysis.ack_rtt 2>/dev/null | python3 -c '
import sys
name = sys.argv[1]
v = sorted(float(x) * 1000 for x in sys.stdin if x.strip())
if not v:
    print(f"nagle wire: {name}: no pure ACKs to clients captured"); sys.exit()
q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
late = sum(1 for x in v if x >= 10)
print(f"nagle wire: {name}: {len(v)} pure ACKs to clients; delay after the client segment p50 {q(0.5):.3f} ms, "
      f"p99 {q(0.99):.3f} ms, max {v[-1]:.1f} ms; {late} ({100.0 * late / len(v):.1f}%) delayed >= 10 ms")
' "$name" | tee -a "$summary"
        done
    fi
fi

echo
echo "=== summary ($stamp; reports and this summary in $out) ==="
cat "$summary"
