#!/usr/bin/env bash
# bench/cluster.sh: the same load with the subscriber on another replica of a colmeia cluster (cross) and on
# the publishers' replica (same), alternating in one run; cross/same throughput ratio and added p99.
# Everything runs on loopback (127.0.1.x); every process this script starts is stopped when it ends (also on
# Ctrl-C); every step is bounded in time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/cluster.sh [options]

Starts 2 or 3 colmeia broker replicas (in-memory persistence, telemetry off) linked into one cluster on
loopback, then measures with `colmeia bench throughput` (QoS 1, publishers always on replica A):

  cross  the subscriber on replica B: every message crosses the cluster link A -> B
  same   the subscriber on replica A: no forwarding at all

alternating cross, same, cross, same ... (one `colmeia bench` per run, each with its own uncounted
warm-up). Before a "same" run the script waits until A no longer routes to B (the previous cross
subscriber's route is withdrawn), and afterwards it checks that A forwarded nothing during it. A third
replica (C, the default) subscribes to nothing: it must receive no forwards (checked).

Phases:
  throughput  full speed (--max-inflight 100 per publisher, up to --max-messages per run):
              ratio cross/same of delivered msg/s per round and the median (target >= 0.7)
  latency     paced at --paced-rate msg/s in total, far below saturation: added p99 = end-to-end p99
              (publish -> subscriber) cross minus same, per round and median (target <= 2 ms)

Also printed: CPU time all replicas spent per delivered message (/proc/PID/stat over warm-up + run,
JIT compilation included), same/cross: on a machine where other processes compete for the cores the
throughput ratio mostly measures the CPU scheduler, the CPU per message less so.

Reports: one JSON per run from `colmeia bench`, plus <stamp>-cluster-summary.json and .txt in --out.

Options:
  --quick               short runs: warm-up 2s, 3 rounds of 5s, at most 100k messages per run
  --replicas 2|3        replicas to start (default: 3)
  --rounds N            measured rounds per target (default: 3)
  --duration D          publishing time per run, e.g. 10s (default: 10s; --quick: 5s)
  --warmup D            uncounted warm-up before each run (default: 3s; --quick: 2s)
  --max-messages N      messages per full-speed run at most (default: 200000; --quick: 100000)
  --publishers N        publishers on replica A (default: 4)
  --paced-rate N        total msg/s of the latency phase (default: 2000)
  --phases LIST         comma-separated from throughput,latency (default: both)
  --base-port P         first loopback port (default: 18870; uses P..P+2 on each of 127.0.1.71-73)
  --out DIR             where reports go (default: bench/results)
  --jar FILE            colmeia jar to run the replicas and the load with (default: launcher/target/colmeia.jar;
                        e.g. a copy built from another commit, for a before/after comparison)
  -h, --help            this help

Measure on a quiet machine: one benchmark at a time (see docs/benchmarks.md); wrap the run in
`flock /tmp/colmeia-bench.lock bench/cluster.sh ...` when others share the machine.
EOF
}

quick=false
replicas=3
rounds=3; duration=""; warmup=""; max_messages=""
publishers=4
paced_rate=2000
phases="throughput,latency"
base_port=18870
out="$root/bench/results"
jar="$root/launcher/target/colmeia.jar"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --replicas) replicas="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --max-messages) max_messages="$2"; shift ;;
        --publishers) publishers="$2"; shift ;;
        --paced-rate) paced_rate="$2"; shift ;;
        --phases) phases="$2"; shift ;;
        --base-port) base_port="$2"; shift ;;
        --out) out="$2"; shift ;;
        --jar) jar="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/cluster.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
    shift
done

if $quick; then
    : "${duration:=5s}" "${warmup:=2s}" "${max_messages:=100000}"
else
    : "${duration:=10s}" "${warmup:=3s}" "${max_messages:=200000}"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
case "$replicas$rounds$paced_rate$base_port$max_messages$publishers" in
    *[!0-9]*) echo "bench/cluster.sh: numbers expected" >&2; exit 2 ;;
esac
[ "$replicas" -ge 2 ] && [ "$replicas" -le 3 ] || { echo "bench/cluster.sh: --replicas must be 2 or 3" >&2; exit 2; }
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench/cluster.sh: --rounds must be 1..20" >&2; exit 2; }
[ "$publishers" -ge 1 ] && [ "$publishers" -le 100 ] || { echo "bench/cluster.sh: --publishers must be 1..100" >&2; exit 2; }
[ "$base_port" -ge 1024 ] && [ "$base_port" -le 65000 ] || { echo "bench/cluster.sh: --base-port 1024..65000" >&2; exit 2; }
has_phase() { case ",$phases," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
for p in ${phases//,/ }; do
    case "$p" in throughput|latency) ;; *) echo "bench/cluster.sh: unknown phase '$p'" >&2; exit 2 ;; esac
done
command -v python3 >/dev/null || { echo "bench/cluster.sh: python3 is needed for the summary" >&2; exit 2; }

[ -f "$jar" ] || { echo "bench/cluster.sh: $jar is missing; build it (./colmeia --help builds it)" >&2; exit 1; }

names=(A B C)
hosts=(127.0.1.71 127.0.1.72 127.0.1.73)
mqtt_port=$base_port; http_port=$((base_port + 1)); link_port=$((base_port + 2))

bench_workdir cluster

metric() { # replica index, metric regex -> sum of the matching samples
    { curl -fsS --max-time 2 "http://${hosts[$1]}:$http_port/metrics" 2>/dev/null || true; } |
        awk -v re="$2" '$0 !~ /^#/ && $1 ~ re {s += $2; n++} END {if (n) printf "%.0f\n", s; else print "?"}'
}

for i in $(seq 0 $((replicas - 1))); do
    for p in "$mqtt_port" "$http_port" "$link_port"; do
        port_in_use "${hosts[$i]}" "$p" && { echo "bench/cluster.sh: ${hosts[$i]}:$p is in use; pick --base-port" >&2; exit 1; }
    done
done

echo "jar: $jar ($(date -u -r "$jar" +%Y-%m-%dT%H:%M:%SZ))"
echo "machine: $(nproc) cores, $(uname -sr), $("$java_bin" -version 2>&1 | head -n 1); load now: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the cluster ----
peers=""
for i in $(seq 0 $((replicas - 1))); do peers="$peers${peers:+,}${hosts[$i]}:$link_port"; done
replica_pids=()
for i in $(seq 0 $((replicas - 1))); do
    "$java_bin" ${COLMEIA_BROKER_JAVA_OPTS:--Xmx1g} -jar "$jar" broker --node-id "bench-${names[$i]}" \
        --mqtt "${hosts[$i]}:$mqtt_port" --http "${hosts[$i]}:$http_port" --persistence memory \
        --telemetry off --data-dir "$work/replica-${names[$i]}" --cluster "${hosts[$i]}:$link_port" \
        --peers "$peers" --log-level WARN >"$work/replica-${names[$i]}.log" 2>&1 &
    replica_pids+=("$!")
    pids+=("$!")
done
for i in $(seq 0 $((replicas - 1))); do
    wait_for_port "${hosts[$i]}" "$mqtt_port" 180 || {
        echo "bench/cluster.sh: replica ${names[$i]} did not start:" >&2; tail -n 30 "$work/replica-${names[$i]}.log" >&2; exit 1; }
done
want_up=$((replicas - 1))
for i in $(seq 0 $((replicas - 1))); do
    for _ in $(seq 1 150); do
        [ "$(metric "$i" '^colmeia_broker_cluster_peers\{.*state="up"')" = "$want_up" ] && break
        sleep 0.2
    done
    [ "$(metric "$i" '^colmeia_broker_cluster_peers\{.*state="up"')" = "$want_up" ] || {
        echo "bench/cluster.sh: replica ${names[$i]} does not see $want_up peers up:" >&2
        tail -n 20 "$work/replica-${names[$i]}.log" >&2; exit 1; }
done
for i in $(seq 0 $((replicas - 1))); do
    echo "replica ${names[$i]}: bench-${names[$i]} on ${hosts[$i]}:$mqtt_port, link ${hosts[$i]}:$link_port (pid ${replica_pids[$i]})"
done

mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
summary="$out/$stamp-cluster-summary.txt"
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
runs_list="$work/runs.txt"
: >"$runs_list"

a="${hosts[0]}:$mqtt_port"; b="${hosts[1]}:$mqtt_port"
per_run=$(( $(seconds_of "$duration") + $(seconds_of "$warmup") + 60 ))

cpu_ticks() { # pid -> user+system clock ticks so far
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
replicas_cpu() { # -> "ticksA ticksB ticksC"
    local line=""
    for pid in "${replica_pids[@]}"; do line="$line $(cpu_ticks "$pid")"; done
    echo $line
}
routes_to_b() { metric 0 '^colmeia_broker_cluster_peer_routes\{.*peer="bench-B"'; }
forwards_to() { metric 0 "^colmeia_broker_cluster_forwards_total\\{.*peer=\"bench-$1\""; }

one_run() { # phase, round, target(cross|same), bench args...
    local phase=$1 round=$2 target=$3; shift 3
    local spec
    if [ "$target" = cross ]; then spec="cross=$a/$b"; else spec="same=$a"; fi
    if [ "$target" = same ]; then
        # the previous cross subscriber's route must be gone, or A would still forward to B
        for _ in $(seq 1 150); do [ "$(routes_to_b)" = 0 ] && break; sleep 0.2; done
        [ "$(routes_to_b)" = 0 ] || note "! $phase round $round: A still routes to B before the same-replica run"
    fi
    local fb0 fc0 cpu0; fb0=$(forwards_to B); fc0=$(forwards_to C); cpu0=$(replicas_cpu)
    local report="$out/$stamp-cluster-$phase-r$round-$target.json"
    set +e
    timeout --kill-after=10 "$per_run" "$java_bin" ${COLMEIA_BENCH_JAVA_OPTS:--Xmx512m} -jar "$jar" bench "$@" \
        --target "$spec" --target-pid "$target=${replica_pids[0]}" --publishers "$publishers" \
        --rounds 1 --duration "$duration" --warmup "$warmup" --report "$report" --log-level WARN \
        >"$work/$phase-$round-$target.out" 2>&1
    local rc=$?
    set -e
    grep -E '^round 1' "$work/$phase-$round-$target.out" | sed "s/^round 1/$phase round $round/" || true
    [ "$rc" -eq 0 ] || { note "! $phase round $round $target: colmeia bench ended with status $rc"; tail -n 5 "$work/$phase-$round-$target.out" >&2; }
    local fb1 fc1 cpu1; fb1=$(forwards_to B); fc1=$(forwards_to C); cpu1=$(replicas_cpu)
    echo "$cpu0" >"$report.cpu0"; echo "$cpu1" >"$report.cpu1"
    if [ "$target" = same ] && [ "$fb0" != "?" ] && [ "$fb1" != "$fb0" ]; then
        note "! $phase round $round same: A forwarded $((fb1 - fb0)) message(s) to B during the same-replica run"
    fi
    if [ "$replicas" = 3 ] && [ "$fc0" != "?" ] && [ "$fc1" != "$fc0" ]; then
        note "! $phase round $round $target: A forwarded $((fc1 - fc0)) message(s) to C, which subscribes to nothing"
    fi
    # CPU seconds all replicas spent in the run (warm-up included), for CPU per delivered message
    [ -f "$report" ] && echo "$phase $round $target $report $(python3 -c 'import sys; a=sys.argv[1].split(); b=sys.argv[2].split(); print(sum(int(y)-int(x) for x, y in zip(a, b)))' "$cpu0" "$cpu1")" >>"$runs_list"
    rm -f "$report.cpu0" "$report.cpu1"
}

for phase in throughput latency; do
    has_phase "$phase" || continue
    echo
    echo "=== $phase: $publishers publishers on A, subscriber on B (cross) vs on A (same), QoS 1 ==="
    if [ "$phase" = throughput ]; then args=(throughput --qos 1 --sub-qos 1 --max-messages "$max_messages")
    else args=(throughput --qos 1 --sub-qos 1 --rate "$paced_rate" --max-messages "$max_messages"); fi
    for round in $(seq 1 "$rounds"); do
        one_run "$phase" "$round" cross "${args[@]}"
        one_run "$phase" "$round" same "${args[@]}"
    done
done

echo
echo "=== summary ($stamp; reports in $out) ==="
python3 - "$runs_list" "$out/$stamp-cluster-summary.json" "$replicas" "$publishers" "$duration" "$paced_rate" "$(getconf CLK_TCK)" <<'PY' | tee -a "$summary"
import json, statistics, sys
runs_list, out, replicas, publishers, duration, paced, tck = sys.argv[1:8]
runs = {}
for line in open(runs_list):
    phase, rnd, target, path, ticks = line.split()
    d = json.load(open(path))
    r = d["runs"][0]
    # CPU of all replicas over warm-up + run, per message delivered in both
    delivered = r["received"] + sum(w["received"] for w in d.get("warmups", []))
    r["replicasCpuMicrosPerMessage"] = int(ticks) / int(tck) * 1e6 / max(delivered, 1)
    runs.setdefault(phase, {}).setdefault(int(rnd), {})[target] = r
def med(xs): return statistics.median(xs) if xs else float("nan")
result = {"replicas": int(replicas), "publishers": int(publishers), "duration": duration,
          "pacedRate": int(paced), "phases": {}}
for phase, rounds in runs.items():
    pairs = [(k, v["cross"], v["same"]) for k, v in sorted(rounds.items()) if "cross" in v and "same" in v]
    ratio = [c["deliveredPerSecond"] / max(s["deliveredPerSecond"], 1e-9) for _, c, s in pairs]
    dp99 = [c["endToEndLatency"]["p99Ms"] - s["endToEndLatency"]["p99Ms"] for _, c, s in pairs]
    dp50 = [c["endToEndLatency"]["p50Ms"] - s["endToEndLatency"]["p50Ms"] for _, c, s in pairs]
    def fig(t, key): return med([x[t][key] for x in rounds.values() if t in x])
    def lat(t, key): return med([x[t]["endToEndLatency"][key] for x in rounds.values() if t in x])
    lost = {t: sum(x[t]["lost"] + x[t]["duplicates"] for x in rounds.values() if t in x) for t in ("cross", "same")}
    for t in ("cross", "same"):
        print(f"{phase}: {t:5s} delivered {fig(t, 'deliveredPerSecond'):8.0f} msg/s (median), e2e p50 {lat(t, 'p50Ms'):.2f}"
              f" p99 {lat(t, 'p99Ms'):.2f} ms, lost+dup {lost[t]}, emulator cpu {fig(t, 'emulatorCpuCores'):.2f},"
              f" replica A cpu {fig(t, 'targetCpuCores'):.2f}, all replicas {fig(t, 'replicasCpuMicrosPerMessage'):.0f} us CPU/message")
    print(f"{phase}: ratio cross/same delivered per round {['%.2f' % x for x in ratio]} median {med(ratio):.2f}"
          f" (target >= 0.70); added p99 per round {['%+.2f' % x for x in dp99]} median {med(dp99):+.2f} ms"
          f" (target <= 2 ms); added p50 median {med(dp50):+.2f} ms; CPU per message same/cross"
          f" {fig('same', 'replicasCpuMicrosPerMessage') / max(fig('cross', 'replicasCpuMicrosPerMessage'), 1e-9):.2f}")
    result["phases"][phase] = {
        "ratioCrossSamePerRound": ratio, "ratioCrossSameMedian": med(ratio),
        "addedP99MsPerRound": dp99, "addedP99MsMedian": med(dp99), "addedP50MsMedian": med(dp50),
        "cpuPerMessageSameOverCross": fig("same", "replicasCpuMicrosPerMessage") / max(fig("cross", "replicasCpuMicrosPerMessage"), 1e-9),
        "cross": {"deliveredPerSecondMedian": fig("cross", "deliveredPerSecond"),
                  "replicasCpuMicrosPerMessage": fig("cross", "replicasCpuMicrosPerMessage"),
                  "p50MsMedian": lat("cross", "p50Ms"), "p99MsMedian": lat("cross", "p99Ms"), "lostOrDuplicated": lost["cross"]},
        "same": {"deliveredPerSecondMedian": fig("same", "deliveredPerSecond"),
                 "replicasCpuMicrosPerMessage": fig("same", "replicasCpuMicrosPerMessage"),
                 "p50MsMedian": lat("same", "p50Ms"), "p99MsMedian": lat("same", "p99Ms"), "lostOrDuplicated": lost["same"]},
    }
json.dump(result, open(out, "w"), indent=2)
print(f"summary JSON: {out}")
PY
