#!/usr/bin/env bash
# bench/load.sh: a broker under load, measured with MQTT.js (the client inside Node-RED, Nagle on) against a
# baseline Mosquitto, one colmeia replica direct, and a local colmeia cluster through the ingress, in one run.
# Everything runs on loopback; every process this script starts is stopped when it ends (also on Ctrl-C).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/load.sh [options]

Scenarios, each against every target, targets alternating (M R C, then C R M, ...):
  qos1     publishers offer QoS 1 at --rate msg/s for --duration to one MQTT.js QoS 1 subscriber:
           delivered rate, loss (acknowledged but never received), duplicates, latency p50/p95/p99/max,
           CPU per delivered message of the target and of the load tool (publishers, subscriber)
  firehose publishers send QoS 0 as fast as their sockets take it, for --firehose, to one MQTT.js
           QoS 0 subscriber: sent, received, dropped (colmeia: counted by reason), highest live heap, and
           whether the replica answered /metrics throughout and recovered afterwards
  idle     --idle idle MQTT connections to Mosquitto and to the replica: RSS and (replica) live heap after a
           full GC, per connection
  sigterm  the replica that took all this is stopped with SIGTERM: seconds until it exited
Targets: mosquitto (Debian package; max_queued_messages 0 and max_inflight_messages 0, so it neither drops
QoS 1 nor limits in-flight), replica (one `colmeia broker`, in-memory, telemetry off, heap --heap), cluster
(`colmeia up`: 3 replicas + 1 ingress, in-memory, no store; clients connect to the ingress).

Options:
  --quick             short: --rounds 1, --duration 5s, --firehose 6s, --idle 2000, --warmup 5s
  --warmup D          per target, a qos1 run of D before anything is measured, not counted: a cold JVM runs
                      the publish path interpreted for its first seconds (default: 10s; 0s: none)
  --rounds N          rounds of the qos1 and firehose scenarios per target (default: 2)
  --duration D        publishing time of a qos1 run (default: 10s)
  --rate N            total QoS 1 msg/s offered (default: 30000)
  --publishers N      publisher connections (default: 4)
  --publisher KIND    raw: pre-encoded MQTT 3.1.1 packets written straight to the socket, a few us of CPU per
                      message, so that on a small machine the broker and the MQTT.js subscriber get the CPU
                      rather than the load tool; mqttjs: MQTT.js publishers (~40 us per QoS 1 message: on 2
                      cores they cap what any broker can be offered). Same topics, payloads, rate and in-flight
                      window either way; the subscriber is always MQTT.js (default: raw)
  --firehose D        publishing time of a firehose run (default: 10s)
  --idle N            idle connections of the idle scenario (default: 5000)
  --heap SIZE         maximum heap (-Xmx) of every colmeia broker replica (default: 256m)
  --base-port P       first of 20 loopback ports used (default: 25000)
  --targets LIST      comma-separated from mosquitto, replica, cluster (default: all)
  --out DIR           where the JSON report goes (default: bench/results)
  --jar FILE          the colmeia jar to run (e.g. a copy of an older build, to compare; default:
                      launcher/target/colmeia.jar, built when missing)
  -h, --help          this help

Needs node (20+) and npm: installs the pinned MQTT.js from bench/mqttjs/package-lock.json (npm ci).
Run it alone on the machine: flock /tmp/colmeia-bench.lock bench/load.sh --quick
EOF
}

quick=false; rounds=""; duration=""; firehose=""; idle=""; warmup=""
rate=30000; publishers=4; publisher=raw; heap=256m; base=25000; targets_wanted="mosquitto,replica,cluster"
out="$root/bench/results"; jar=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --rate) rate="$2"; shift ;;
        --publishers) publishers="$2"; shift ;;
        --publisher) publisher="$2"; shift ;;
        --firehose) firehose="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --idle) idle="$2"; shift ;;
        --heap) heap="$2"; shift ;;
        --base-port) base="$2"; shift ;;
        --targets) targets_wanted="$2"; shift ;;
        --out) out="$2"; shift ;;
        --jar) jar="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/load.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
    shift
done
if $quick; then
    : "${rounds:=1}" "${duration:=5s}" "${firehose:=6s}" "${idle:=2000}" "${warmup:=5s}"
else
    : "${rounds:=2}" "${duration:=10s}" "${firehose:=10s}" "${idle:=5000}" "${warmup:=10s}"
fi
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
seconds_of "$duration" >/dev/null; seconds_of "$firehose" >/dev/null; seconds_of "$warmup" >/dev/null
case "$rounds$rate$publishers$idle$base" in *[!0-9]*) echo "bench/load.sh: --rounds, --rate, --publishers, --idle and --base-port take numbers" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || { echo "bench/load.sh: --rounds must be 1..10" >&2; exit 2; }
[ "$idle" -ge 1 ] && [ "$idle" -le 18000 ] || { echo "bench/load.sh: --idle must be 1..18000 (20,000 open files per process)" >&2; exit 2; }
case "$heap" in [0-9]*[mMgG]) ;; *) echo "bench/load.sh: --heap must look like 256m or 1g" >&2; exit 2 ;; esac
for t in ${targets_wanted//,/ }; do
    case "$t" in mosquitto|replica|cluster) ;; *) echo "bench/load.sh: unknown target '$t'" >&2; exit 2 ;; esac
done
case "$publisher" in raw) pub_mode=rawpub ;; mqttjs) pub_mode=pub ;; *) echo "bench/load.sh: --publisher must be raw or mqttjs, got '$publisher'" >&2; exit 2 ;; esac
wants() { case ",$targets_wanted," in *",$1,"*) return 0 ;; esac; return 1; }

command -v node >/dev/null 2>&1 || { echo "bench/load.sh: node is needed (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "bench/load.sh: python3 is needed to write the report" >&2; exit 1; }
if [ -z "$jar" ]; then
    jar="$root/launcher/target/colmeia.jar"
    [ -f "$jar" ] || "$root/colmeia" --help >/dev/null # builds the jar
fi
[ -f "$jar" ] || { echo "bench/load.sh: --jar $jar: no such file" >&2; exit 2; }

bench_workdir load # `pids`: the long-lived targets
running=()   # the load tool processes of the current run (emptied once they are waited for)
cluster_dir=""
before_cleanup() {
    if [ -n "$cluster_dir" ]; then
        "$java_bin" -jar "$jar" down --dir "$cluster_dir" >/dev/null 2>&1 || true
    fi
    for pid in "${running[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
}
clk_tck=$(getconf CLK_TCK)
cpu_ms() { # pids... -> CPU time (user + system) they used so far, in ms
    local total=0 t
    for pid in "$@"; do
        t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0); total=$((total + t))
    done
    echo $((total * 1000 / clk_tck))
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
heap_used_kib() { # live heap after a full GC
    timeout 60 "$jcmd_bin" "$1" GC.run >/dev/null 2>&1 || true
    sleep 1
    timeout 60 "$jcmd_bin" "$1" GC.heap_info 2>/dev/null | awk '/ heap +total/ || /^ *(garbage-first|def new generation|PSYoungGen)/ {
        for (i = 1; i <= NF; i++) if ($i == "used" && !done) { v = $(i + 1); sub(/K,?$/, "", v); print v; done = 1 } }' || true
}
metric_sum() { # url, metric name -> sum of its samples ("" when the endpoint does not answer in 2 s)
    local page
    page=$(curl -fsS --max-time 2 "$1" 2>/dev/null) || { echo ""; return 0; }
    printf '%s\n' "$page" | awk -v name="$2" '$0 !~ /^#/ { n = $1; sub(/\{.*/, "", n); if (n == name) s += $NF } END { printf "%.6f\n", s + 0 }'
}

# ---- MQTT.js, pinned ----
mqttjs="$root/bench/mqttjs"
if [ ! -d "$mqttjs/node_modules/mqtt" ]; then
    echo "bench/load.sh: installing MQTT.js from bench/mqttjs/package-lock.json (npm ci) ..." >&2
    (cd "$mqttjs" && npm ci --no-audit --no-fund >"$work/npm.log" 2>&1) || { tail -n 20 "$work/npm.log" >&2; exit 1; }
fi
mqttjs_version=$(node -e "console.log(require('$mqttjs/node_modules/mqtt/package.json').version)")

# ---- ports ----
mosq_port=$base; replica_port=$((base + 1)); replica_http=$((base + 2))
cl_broker_port=$((base + 10)); cl_ingress_port=$((base + 11)); cl_link_port=$((base + 12)); cl_http_port=$((base + 13))
for p in $mosq_port $replica_port $replica_http; do
    port_in_use 127.0.0.1 "$p" && { echo "bench/load.sh: 127.0.0.1:$p is in use; pick --base-port" >&2; exit 1; }
done

echo "machine: $(nproc) cores, $(uname -sr), $("$java_bin" -version 2>&1 | head -n 1); load now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "load tool: node $(node --version): $publishers $publisher publishers; subscriber MQTT.js $mqttjs_version (Nagle on, MQTT 3.1.1)"

declare -A url http_urls pid_of
# ---- baseline: Mosquitto ----
if wants mosquitto; then
    mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    if [ ! -x "$mosquitto_bin" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "bench/load.sh: installing mosquitto (Debian) ..." >&2
            apt-get install -y -q mosquitto >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
            mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
        else
            echo "bench/load.sh: mosquitto is not installed (Debian: apt-get install -y mosquitto)" >&2; exit 1
        fi
    fi
    cat >"$work/mosquitto.conf" <<EOF
listener $mosq_port 127.0.0.1
allow_anonymous true
persistence false
# Mosquitto's default (1000) silently drops QoS 1 messages beyond the queue while still sending PUBACKs
max_queued_messages 0
max_inflight_messages 0
EOF
    "$mosquitto_bin" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
    pid_of[mosquitto]=$!; pids+=("$!")
    wait_for_port 127.0.0.1 "$mosq_port" 10 || { cat "$work/mosquitto.log" >&2; exit 1; }
    url[mosquitto]="mqtt://127.0.0.1:$mosq_port"; http_urls[mosquitto]=""
    echo "target mosquitto: $("$mosquitto_bin" -h 2>/dev/null | head -n 1) on 127.0.0.1:$mosq_port"
fi

# ---- one replica, direct ----
if wants replica; then
    "$java_bin" "-Xmx$heap" -jar "$jar" broker --node-id load-replica --mqtt "127.0.0.1:$replica_port" \
        --http "127.0.0.1:$replica_http" --persistence memory --telemetry off --data-dir "$work/replica" \
        --log-level WARN >"$work/replica.log" 2>&1 &
    pid_of[replica]=$!; pids+=("$!")
    for _ in $(seq 1 900); do curl -fsS --max-time 1 "http://127.0.0.1:$replica_http/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -fsS --max-time 2 "http://127.0.0.1:$replica_http/ready" >/dev/null 2>&1 || { echo "bench/load.sh: the replica did not become ready:" >&2; tail -n 30 "$work/replica.log" >&2; exit 1; }
    url[replica]="mqtt://127.0.0.1:$replica_port"; http_urls[replica]="http://127.0.0.1:$replica_http/metrics"
    echo "target replica: colmeia broker -Xmx$heap, in-memory, telemetry off, on 127.0.0.1:$replica_port (pid ${pid_of[replica]})"
fi

# ---- the cluster, through the ingress ----
if wants cluster; then
    cluster_dir="$work/cluster"
    "$java_bin" -jar "$jar" up --detach --dir "$cluster_dir" --brokers 3 --ingress 1 --no-dns --no-store \
        --broker-persistence memory --heap "$heap" --broker-mqtt-port "$cl_broker_port" \
        --ingress-mqtt-port "$cl_ingress_port" --cluster-port "$cl_link_port" --http-port "$cl_http_port" \
        >"$work/up.log" 2>&1 || { echo "bench/load.sh: colmeia up failed:" >&2; tail -n 30 "$work/up.log" >&2; exit 1; }
    "$java_bin" -jar "$jar" status --dir "$cluster_dir" --json >"$work/status.json" 2>/dev/null || true
    read -r ingress_mqtt broker_https cluster_pids < <(python3 - "$work/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ing = [p["mqtt"] for p in s["processes"] if p["role"] == "ingress"]
brk = ["http://%s/metrics" % p["http"] for p in s["processes"] if p["role"] == "broker"]
pids = [str(p["pid"]) for p in s["processes"] if p["role"] in ("broker", "ingress")]
print(ing[0], ",".join(brk), ",".join(pids))
PY
)
    url[cluster]="mqtt://$ingress_mqtt"; http_urls[cluster]="$broker_https"; pid_of[cluster]="${cluster_pids//,/ }"
    echo "target cluster: 3 replicas -Xmx$heap + 1 ingress (colmeia up), clients through the ingress $ingress_mqtt"
fi

order=()
for t in mosquitto replica cluster; do wants "$t" && order+=("$t"); done
results="$work/results.jsonl"
: >"$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# One run: subscriber first, then the publishers; both print one JSON line. Adds sampled broker figures.
run_scenario() { # scenario target round
    local scenario=$1 target=$2 round=$3 qos rate_arg dur
    if [ "$scenario" = qos1 ]; then qos=1; rate_arg=$rate; dur=$duration; else qos=0; rate_arg=0; dur=$firehose; fi
    local sub_out="$work/sub-$scenario-$target-$round.json" pub_out="$work/pub-$scenario-$target-$round.json"
    local before_drops="" ; [ -n "${http_urls[$target]}" ] && before_drops=$(sum_over "$target" colmeia_broker_messages_dropped_total)
    node "$mqttjs/load.js" sub --url "${url[$target]}" --qos "$qos" --idle 5s --max-time 180s \
        --client-id "load-sub-$target-$round" >"$sub_out" 2>&1 &
    local sub_pid=$!; running=("$sub_pid")
    for _ in $(seq 1 200); do grep -q subscribed "$sub_out" && break; sleep 0.1; done
    # shellcheck disable=SC2086 # pid_of holds several pids for the cluster
    local cpu0 t0; cpu0=$(cpu_ms ${pid_of[$target]}); t0=$(date +%s%N)
    node "$mqttjs/load.js" "$pub_mode" --url "${url[$target]}" --qos "$qos" --rate "$rate_arg" --duration "$dur" \
        --publishers "$publishers" --ack-wait 60s >"$pub_out" 2>&1 &
    local pub_pid=$!; running+=("$pub_pid")
    local live_max=0 unanswered=0 samples=0 v
    while kill -0 "$pub_pid" 2>/dev/null; do
        if [ -n "${http_urls[$target]}" ]; then
            for u in ${http_urls[$target]//,/ }; do
                v=$(metric_sum "$u" colmeia_broker_heap_live_ratio)
                samples=$((samples + 1))
                if [ -z "$v" ]; then unanswered=$((unanswered + 1)); else live_max=$(python3 -c "print(max($live_max, $v))"); fi
            done
        fi
        sleep 0.5
    done
    wait "$pub_pid" || true
    local t1; t1=$(date +%s%N)
    wait "$sub_pid" || true
    running=()
    # shellcheck disable=SC2086
    local target_cpu=$(( $(cpu_ms ${pid_of[$target]}) - cpu0 )) wall_ms=$(( (t1 - t0) / 1000000 ))
    local after_drops="" episodes="" ; if [ -n "${http_urls[$target]}" ]; then
        after_drops=$(sum_over "$target" colmeia_broker_messages_dropped_total)
        episodes=$(sum_over "$target" colmeia_broker_backpressure_episodes_total)
    fi
    python3 - "$scenario" "$target" "$round" "$sub_out" "$pub_out" "$live_max" "$unanswered" "$samples" \
        "${before_drops:-}" "${after_drops:-}" "${episodes:-}" "$target_cpu" "$wall_ms" >>"$results" <<'PY'
import json, sys
scenario, target, rnd, sub_f, pub_f, live, unanswered, samples, d0, d1, ep, tcpu, wall = sys.argv[1:]
def last_json(path):
    for line in reversed(open(path).read().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": open(path).read()[-500:]}
sub, pub = last_json(sub_f), last_json(pub_f)
r = {"scenario": scenario, "target": target, "round": int(rnd), "sub": sub, "pub": pub}
if d0 != "" and d1 != "":
    r["brokerDropped"] = float(d1) - float(d0)
if ep != "":
    r["backpressureEpisodesTotal"] = float(ep)
if int(samples) > 0:
    r["liveHeapMax"] = float(live); r["metricsUnanswered"] = int(unanswered); r["metricsSamples"] = int(samples)
if scenario == "qos1" and "acked" in pub and "unique" in sub:
    r["lost"] = max(0, pub["acked"] - sub["unique"])
# CPU: the target's (all its processes) from publishing start until the subscriber is done, per delivered
# message; the load tool's own, and whether one of its processes used ~a whole core (then it, not the target,
# may have been the limit, and the target's figure is a lower bound)
wall_s = int(wall) / 1000
delivered = sub.get("unique") or 0
r["cpu"] = {"targetS": int(tcpu) / 1000, "publishersS": (pub.get("cpuMs") or 0) / 1000,
            "subscriberS": (sub.get("cpuMs") or 0) / 1000, "publishingWallS": wall_s}
if delivered:
    r["cpu"]["targetUsPerMessage"] = round(int(tcpu) * 1000 / delivered, 1)
    r["cpu"]["loadToolUsPerMessage"] = round(((pub.get("cpuMs") or 0) + (sub.get("cpuMs") or 0)) * 1000 / delivered, 1)
busy = [name for name, ms, secs in (("publishers", pub.get("cpuMs") or 0, wall_s),
                                    ("subscriber", sub.get("cpuMs") or 0, (sub.get("seconds") or 0) + 0.5))
        if secs > 0 and ms / 1000 / secs > 0.9]
r["cpu"]["loadToolSaturated"] = busy
print(json.dumps(r))
PY
    tail -n 1 "$results" | python3 -c '
import json, sys
fmt = lambda v: "-" if v is None else "%.1f" % v
r = json.loads(sys.stdin.read()); s = r["sub"]; p = r["pub"]; l = s.get("latencyMs") or {}
extra = ""
if "brokerDropped" in r: extra += " dropped(counted) %d" % r["brokerDropped"]
if "liveHeapMax" in r: extra += " live-heap-max %.0f%% unanswered %d/%d" % (100 * r["liveHeapMax"], r["metricsUnanswered"], r["metricsSamples"])
c = r.get("cpu") or {}
if "targetUsPerMessage" in c: extra += " | CPU/msg target %.1f us, load tool %.1f us (pub %.1fs sub %.1fs)%s" % (c["targetUsPerMessage"], c["loadToolUsPerMessage"], c["publishersS"], c["subscriberS"], (" SATURATED: " + ",".join(c["loadToolSaturated"])) if c["loadToolSaturated"] else "")
print("%-8s %-9s round %d: sent %s acked %s received %s unique %s gaps %s dup %s rate %s msg/s p50 %s p99 %s max %s ms%s%s" % (
    r["scenario"], r["target"], r["round"], p.get("sent"), p.get("acked"), s.get("received"), s.get("unique"),
    s.get("gaps"), s.get("duplicates"), s.get("rate"), fmt(l.get("p50")), fmt(l.get("p99")), fmt(l.get("max")),
    (" LOST %d" % r["lost"]) if r.get("lost") else "", extra))
' 2>/dev/null || tail -n 1 "$results"
}
sum_over() { # target metric -> sum over the target's brokers
    local total=0 v
    for u in ${http_urls[$1]//,/ }; do
        v=$(metric_sum "$u" "$2"); [ -n "$v" ] && total=$(python3 -c "print($total + $v)")
    done
    echo "$total"
}

if [ "$(seconds_of "$warmup")" != 0 ]; then
    echo
    echo "=== warm-up: a qos1 run of $warmup per target, not counted ==="
    counted=$results; results="$work/warmup.jsonl"; duration_counted=$duration; duration=$warmup
    for target in "${order[@]}"; do run_scenario qos1 "$target" 0; sleep 3; done
    results=$counted; duration=$duration_counted
fi

for scenario in qos1 firehose; do
    echo
    echo "=== $scenario ==="
    for round in $(seq 1 "$rounds"); do
        if [ $((round % 2)) -eq 1 ]; then list=("${order[@]}"); else list=(); for ((i=${#order[@]}-1; i>=0; i--)); do list+=("${order[$i]}"); done; fi
        for target in "${list[@]}"; do
            run_scenario "$scenario" "$target" "$round"
            sleep 3 # let queues drain and sockets close before the next run
        done
    done
done

# ---- idle connections: Mosquitto and the replica ----
idle_phase() { # target pid
    local target=$1 pid=$2 heap0="" heap1="" rss0 rss1 line
    [ "$target" = replica ] && heap0=$(heap_used_kib "$pid")
    rss0=$(rss_kib "$pid")
    node "$mqttjs/load.js" idle --url "${url[$target]}" --count "$idle" --hold 600s >"$work/idle-$target.out" 2>&1 &
    local idle_pid=$!; running=("$idle_pid")
    for _ in $(seq 1 3000); do grep -q '^connected' "$work/idle-$target.out" && break; kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
    sleep 3
    rss1=$(rss_kib "$pid")
    [ "$target" = replica ] && heap1=$(heap_used_kib "$pid")
    local connected; connected=$(awk '/^connected/ {print $2}' "$work/idle-$target.out")
    kill -TERM "$idle_pid" 2>/dev/null || true; wait "$idle_pid" 2>/dev/null || true
    running=()
    connected=${connected:-0}
    python3 - "$target" "$connected" "$rss0" "$rss1" "${heap0:-}" "${heap1:-}" >>"$results" <<'PY'
import json, sys
t, n, r0, r1, h0, h1 = sys.argv[1:]
n = int(n)
r = {"scenario": "idle", "target": t, "connections": n, "rssKiB": [int(r0), int(r1)]}
if n > 0:
    r["rssBytesPerConnection"] = round((int(r1) - int(r0)) * 1024 / n)
    if h0 and h1:
        r["liveHeapKiB"] = [int(h0), int(h1)]
        r["heapBytesPerConnection"] = round((int(h1) - int(h0)) * 1024 / n)
print(json.dumps(r))
PY
    line=$(tail -n 1 "$results")
    echo "idle     $target: $line"
    sleep 3
}
echo
echo "=== idle: $idle idle connections ==="
wants mosquitto && idle_phase mosquitto "${pid_of[mosquitto]}"
wants replica && idle_phase replica "${pid_of[replica]}"

# ---- SIGTERM after all this ----
if wants replica; then
    echo
    echo "=== sigterm ==="
    t0=$(date +%s%N)
    kill -TERM "${pid_of[replica]}"
    exited=false
    for _ in $(seq 1 600); do kill -0 "${pid_of[replica]}" 2>/dev/null || { exited=true; break; }; sleep 0.1; done
    t1=$(date +%s%N)
    if $exited; then # it is gone: do not signal its pid again at the end
        kept=(); for pid in "${pids[@]}"; do [ "$pid" = "${pid_of[replica]}" ] || kept+=("$pid"); done; pids=("${kept[@]}")
    fi
    echo "{\"scenario\": \"sigterm\", \"target\": \"replica\", \"exited\": $exited, \"seconds\": $(python3 -c "print(round(($t1 - $t0) / 1e9, 1))")}" >>"$results"
    echo "sigterm  replica: $(tail -n 1 "$results")"
fi

# ---- report: ratios against Mosquitto in the same run, absolute figures, targets ----
mkdir -p "$out"
report="$out/$stamp-load.json"
python3 - "$results" "$report" "$rate" "$duration" "$firehose" "$publishers" "$publisher" "$idle" "$heap" "$mqttjs_version" \
    "$(nproc)" "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, statistics, sys
res_f, report_f, rate, duration, firehose, publishers, publisher, idle, heap, mqttjs, cores, kernel, load = sys.argv[1:]
runs = [json.loads(l) for l in open(res_f) if l.strip()]
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
summary = {}
for scenario in ("qos1", "firehose"):
    for target in ("mosquitto", "replica", "cluster"):
        rs = [r for r in runs if r["scenario"] == scenario and r["target"] == target]
        if not rs:
            continue
        summary.setdefault(scenario, {})[target] = {
            "rate": med([r["sub"].get("rate") for r in rs]),
            "p99Ms": med([(r["sub"].get("latencyMs") or {}).get("p99") for r in rs]),
            "lost": sum(r.get("lost", 0) for r in rs),
            "gaps": sum(r["sub"].get("gaps", 0) or 0 for r in rs),
            "sent": sum(r["pub"].get("sent", 0) or 0 for r in rs),
            "received": sum(r["sub"].get("unique", 0) or 0 for r in rs),
            "brokerDropped": sum(r.get("brokerDropped", 0) for r in rs) if any("brokerDropped" in r for r in rs) else None,
            "liveHeapMax": max((r.get("liveHeapMax", 0) for r in rs), default=None),
            "metricsUnanswered": sum(r.get("metricsUnanswered", 0) for r in rs),
            "targetCpuUsPerMessage": med([(r.get("cpu") or {}).get("targetUsPerMessage") for r in rs]),
            "loadToolCpuUsPerMessage": med([(r.get("cpu") or {}).get("loadToolUsPerMessage") for r in rs]),
            "loadToolSaturated": sorted({b for r in rs for b in (r.get("cpu") or {}).get("loadToolSaturated", [])}),
        }
ratios = {}
for scenario, by in summary.items():
    base = by.get("mosquitto", {}).get("rate")
    for target in ("replica", "cluster"):
        if base and by.get(target, {}).get("rate") is not None:
            ratios["%s.%s/mosquitto" % (scenario, target)] = round(by[target]["rate"] / base, 3)
idle_runs = {r["target"]: r for r in runs if r["scenario"] == "idle"}
sig = next((r for r in runs if r["scenario"] == "sigterm"), None)
q1c = summary.get("qos1", {}).get("cluster", {})
targets = {
    "qos1 cluster >= 0.8x mosquitto": ratios.get("qos1.cluster/mosquitto", 0) >= 0.8 if "qos1.cluster/mosquitto" in ratios else None,
    "qos1 cluster 0 loss": (q1c.get("lost") == 0 and q1c.get("gaps") == 0) if q1c else None,
    "qos1 cluster p99 <= 50 ms": (q1c.get("p99Ms") is not None and q1c["p99Ms"] <= 50) if q1c else None,
    "firehose replica heap bound held (live < 80%)": (summary.get("firehose", {}).get("replica", {}).get("liveHeapMax", 1) < 0.8) if "replica" in summary.get("firehose", {}) else None,
    "idle replica <= 4 KiB heap/connection": (idle_runs["replica"].get("heapBytesPerConnection", 1e9) <= 4096) if "replica" in idle_runs else None,
    "sigterm honoured": sig["exited"] if sig else None,
}
report = {"machine": {"cores": int(cores), "kernel": kernel, "loadAtEnd": load},
          "settings": {"qos1Rate": int(rate), "duration": duration, "firehose": firehose, "publishers": int(publishers),
                       "publisher": publisher,
                       "idleConnections": int(idle), "replicaHeap": heap, "mqttjs": mqttjs,
                       "mosquitto": "max_queued_messages 0, max_inflight_messages 0"},
          "summary": summary, "ratios": ratios, "idle": idle_runs, "sigterm": sig, "targets": targets, "runs": runs}
json.dump(report, open(report_f, "w"), indent=2)
print()
print("=== summary (report: %s) ===" % report_f)
for k, v in ratios.items():
    print("ratio %-28s %.3f" % (k, v))
for scenario, by in summary.items():
    for target, s in by.items():
        print("%-8s %-9s rate %s msg/s, p99 %s ms, lost %s, gaps %s, sent %s, received %s, dropped(counted) %s, live heap max %s, CPU/msg %s us (load tool %s us%s)" % (
            scenario, target, s["rate"], None if s["p99Ms"] is None else round(s["p99Ms"], 1), s["lost"], s["gaps"],
            s["sent"], s["received"], s["brokerDropped"], None if s["liveHeapMax"] is None else "%.0f%%" % (100 * s["liveHeapMax"]),
            s["targetCpuUsPerMessage"], s["loadToolCpuUsPerMessage"],
            (", saturated: " + ",".join(s["loadToolSaturated"])) if s["loadToolSaturated"] else ""))
for t, r in idle_runs.items():
    print("idle     %-9s %s connections: RSS %s B/conn, heap %s B/conn" % (t, r["connections"], r.get("rssBytesPerConnection"), r.get("heapBytesPerConnection")))
for k, v in targets.items():
    print("target   %-48s %s" % (k, {True: "met", False: "NOT met", None: "not measured"}[v]))
PY
