#!/usr/bin/env bash
# bench/persistence.sh: what acknowledged-means-durable costs. Two broker replicas write to the same embedded
# store, one with --ack persisted (PUBACK after the reading is durable), one with --ack received (PUBACK at once,
# stored behind it); `colmeia bench` loads them alternately (A B A B) with a fleet of publishers.
# Everything runs on loopback; every process this script starts is stopped when it ends (also on Ctrl-C).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    cat <<'USAGE'
Usage: bench/persistence.sh [options]

Starts one embedded store (`colmeia store`) and two broker replicas writing telemetry to it,
`persisted` (--ack persisted, the default) and `received` (--ack received), then runs two
scenarios of `colmeia bench` against both, alternating the targets, with no subscriber:

  sustained  --publishers QoS 1 publishers, each with --max-inflight messages in flight, as fast
             as they are acknowledged: with ack=persisted every PUBACK means durable, so the
             acknowledged rate is the sustained persisted rate
  paced      the same publishers at --rate msg/s in total: publish->PUBACK latency p50/p99

It prints acknowledged msg/s, ack latency and the ratio persisted/received per round, then checks
the replicas' own counters: documents written (plus duplicates and spooled) by the persisted
replica must cover everything it acknowledged. Reports: bench/results/<date>-persistence-*.json
and a summary <date>-persistence-summary.txt. Run one benchmark at a time on the machine
(wrap in `flock /tmp/colmeia-bench.lock`).

Options:
  --quick               warm-up 3s, 2 rounds of 5s per target (default: warm-up 5s, 3 rounds of 10s)
  --publishers N        publishers of both scenarios (default: 200)
  --max-inflight N      unacknowledged messages per publisher, sustained scenario (default: 10)
  --rate N              total msg/s of the paced scenario (default: 2000)
  --rounds N            measured rounds per target (default: 3; --quick: 2)
  --duration D          publishing time per run, e.g. 10s (default: 10s; --quick: 5s)
  --warmup D            uncounted warm-up per target (default: 5s; --quick: 3s)
  --scenarios LIST      sustained,paced or one of them (default: both)
  --base-port P         loopback ports P..P+9 are used (default: 18850)
  --batch-linger D      the replicas' --batch-linger (default: the broker's default)
  --store-java-opts S   JVM options of the store process only, e.g. "-Xmx384m -XX:MaxGCPauseMillis=20"
                        (default: COLMEIA_JAVA_OPTS, else the launcher's -Xmx384m)
  --out DIR             where reports go (default: bench/results)
  -h, --help            this help
USAGE
}

quick=false
publishers=200
max_inflight=10
rate=2000
rounds=""; duration=""; warmup=""
scenarios="sustained,paced"
base_port=18850
linger=""
store_java_opts=""
out="$root/bench/results"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --publishers) publishers="$2"; shift ;;
        --max-inflight) max_inflight="$2"; shift ;;
        --rate) rate="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --scenarios) scenarios="$2"; shift ;;
        --base-port) base_port="$2"; shift ;;
        --batch-linger) linger="$2"; shift ;;
        --store-java-opts) store_java_opts="$2"; shift ;;
        --out) out="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/persistence.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
    shift
done
if $quick; then
    : "${rounds:=2}" "${duration:=5s}" "${warmup:=3s}"
else
    : "${rounds:=3}" "${duration:=10s}" "${warmup:=5s}"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
for pair in "--publishers=$publishers" "--max-inflight=$max_inflight" "--rate=$rate" "--rounds=$rounds" "--base-port=$base_port"; do
    case "${pair#*=}" in ''|*[!0-9]*) echo "bench/persistence.sh: ${pair%%=*} must be a whole number, got '${pair#*=}'" >&2; exit 2 ;; esac
done
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench/persistence.sh: --rounds must be 1..20" >&2; exit 2; }
[ "$publishers" -ge 1 ] && [ "$publishers" -le 5000 ] || { echo "bench/persistence.sh: --publishers must be 1..5000" >&2; exit 2; }
[ "$base_port" -ge 1024 ] && [ "$base_port" -le 65520 ] || { echo "bench/persistence.sh: --base-port must be 1024..65520" >&2; exit 2; }
seconds_of "$duration" >/dev/null; seconds_of "$warmup" >/dev/null
command -v python3 >/dev/null || { echo "bench/persistence.sh: python3 is needed to read the reports" >&2; exit 1; }

bench_workdir persistence
await_ready() { # name, http port, log
    for _ in $(seq 1 900); do
        curl -fsS "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "bench/persistence.sh: $1 did not become ready:" >&2; tail -n 30 "$3" >&2; exit 1
}
metric() { # http port, metric line prefix -> sum of matching samples
    curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { printf "%.0f\n", s }'
}

for offset in 0 1 2 3 4 5; do
    port_in_use 127.0.0.1 $((base_port + offset)) && { echo "bench/persistence.sh: port $((base_port + offset)) is in use; pick --base-port" >&2; exit 1; }
done
store_port=$base_port
COLMEIA_JAVA_OPTS="${store_java_opts:-${COLMEIA_JAVA_OPTS:--Xmx384m}}" "$root/colmeia" store --node-id bench-store --listen "127.0.0.1:$store_port" --http "127.0.0.1:$((base_port + 1))" \
    --data-dir "$work/store" --log-level WARN >"$work/store.log" 2>&1 &
store_pid=$!
pids+=("$store_pid")
await_ready store $((base_port + 1)) "$work/store.log"

uri="mongodb://127.0.0.1:$store_port/?replicaSet=rs0"
start_replica() { # name, ack, mqtt port, http port
    local extra=()
    [ -n "$linger" ] && extra=(--batch-linger "$linger")
    "$root/colmeia" broker --node-id "$1" --mqtt "127.0.0.1:$3" --http "127.0.0.1:$4" --persistence memory \
        --data-dir "$work/$1" --log-level WARN --mongodb-uri "$uri" --ack "$2" "${extra[@]}" >"$work/$1.log" 2>&1 &
    pids+=("$!") # ./colmeia execs java, so this pid is the replica's JVM itself
}
start_replica persisted persisted $((base_port + 2)) $((base_port + 3))
persisted_pid=$!
start_replica received received $((base_port + 4)) $((base_port + 5))
received_pid=$!
await_ready persisted $((base_port + 3)) "$work/persisted.log"
await_ready received $((base_port + 5)) "$work/received.log"

mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
summary="$out/$stamp-persistence-summary.txt"
{
    echo "bench/persistence.sh $stamp: $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "store: colmeia store (embedded, H2 file, commit before every reply) on 127.0.0.1:$store_port," \
        "JVM options: ${store_java_opts:-${COLMEIA_JAVA_OPTS:--Xmx384m}}"
    echo "replicas: persisted (--ack persisted) and received (--ack received), both writing to that store"
    echo "load: $publishers QoS 1 publishers, no subscriber; rounds $rounds x $duration after a $warmup warm-up per target"
} | tee "$summary"

# The persisted replica's and the store's metrics before and after each scenario: their difference says where
# that scenario's acknowledgement time went (histogram quantiles of the deltas, pauses, GC).
snapshot() { # prefix
    curl -fsS "http://127.0.0.1:$((base_port + 3))/metrics" >"$1.replica" 2>/dev/null || : >"$1.replica"
    curl -fsS "http://127.0.0.1:$((base_port + 1))/metrics" >"$1.store" 2>/dev/null || : >"$1.store"
}
where_the_time_goes() { # scenario, before prefix, after prefix
    python3 - "$@" <<'PY'
import math, re, sys
scenario, before, after = sys.argv[1:4]
line = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$')
def parse(path):
    out = {}
    for l in open(path):
        m = line.match(l.strip())
        if m:
            try:
                out[(m.group(1), m.group(2) or "")] = float(m.group(3))
            except ValueError:
                pass
    return out
def delta(kind, name, a, b):
    """{labels: after - before} of every sample of `name`."""
    return {k[1]: v - b.get(k, 0.0) for k, v in a.items() if k[0] == name}
def hist(kind, a, b, name):
    buckets = {}
    for labels, v in delta(kind, name + "_bucket", a, b).items():
        le = re.search(r'le="([^"]+)"', labels).group(1)
        bound = math.inf if le == "+Inf" else float(le)
        buckets[bound] = buckets.get(bound, 0.0) + v
    count = sum(delta(kind, name + "_count", a, b).values())
    total = sum(delta(kind, name + "_sum", a, b).values())
    def q(p):
        need = p * count
        for bound in sorted(buckets):
            if buckets[bound] >= need - 1e-9:
                return bound * 1000
        return math.nan
    return count, total, q
ra, rb = parse(after + ".replica"), parse(before + ".replica")
sa, sb = parse(after + ".store"), parse(before + ".store")
for label, name in (("sink wait (submit->durable)", "colmeia_broker_telemetry_ack_wait_seconds"),
                    ("PUBACK held after HiveMQ made it", "colmeia_broker_telemetry_puback_hold_seconds"),
                    ("insertMany (w:majority)", "colmeia_persistence_write_latency_seconds")):
    count, total, q = hist("replica", ra, rb, name)
    if count > 0:
        print(f"{scenario:9} persisted replica {label}: n {count:.0f}, mean {total / count * 1000:.1f} ms,"
              f" p50 <= {q(0.5):.1f} ms, p99 <= {q(0.99):.1f} ms, p99.9 <= {q(0.999):.1f} ms")
docs = sum(delta("replica", "colmeia_persistence_batch_documents_sum", ra, rb).values())
batches = sum(delta("replica", "colmeia_persistence_batch_documents_count", ra, rb).values())
paths = {re.search(r'path="([^"]+)"', k).group(1): v
         for k, v in delta("replica", "colmeia_broker_telemetry_pubacks_total", ra, rb).items()}
if batches:
    print(f"{scenario:9} persisted replica batches: {batches:.0f} of {docs / batches:.1f} docs on average;"
          f" PUBACKs {', '.join(f'{k} {v:.0f}' for k, v in sorted(paths.items()) if v)}")
for who, a, b in (("replica", ra, rb), ("store", sa, sb)):
    n = sum(delta(who, "jvm_gc_pause_seconds_count", a, b).values())
    t = sum(delta(who, "jvm_gc_pause_seconds_sum", a, b).values())
    maxes = [v for k, v in a.items() if k[0] == "jvm_gc_pause_seconds_max"]
    print(f"{scenario:9} {who} GC pauses: {n:.0f}, {t * 1000:.0f} ms in total, longest of the last minutes"
          f" {max(maxes, default=0) * 1000:.0f} ms")
n = sum(delta("store", "colmeia_store_compaction_pause_seconds_count", sa, sb).values())
t = sum(delta("store", "colmeia_store_compaction_pause_seconds_sum", sa, sb).values())
m = max([v for k, v in sa.items() if k[0] == "colmeia_store_compaction_pause_seconds_max"], default=0)
c = sum(delta("store", "colmeia_store_commits_total", sa, sb).values())
print(f"{scenario:9} store: {c:.0f} commits; compaction pauses {n:.0f}, {t * 1000:.0f} ms in total, longest"
      f" recent {m * 1000:.0f} ms")
PY
}

per_run=$(( $(seconds_of "$duration") + 60 ))
budget=$(( (rounds + 1) * 2 * per_run + 120 ))
IFS=',' read -r -a scenario_list <<<"$scenarios"
for scenario in "${scenario_list[@]}"; do
    case "$scenario" in
        sustained) args=(throughput --max-inflight "$max_inflight") ;;
        paced) args=(throughput --rate "$rate") ;;
        *) echo "bench/persistence.sh: unknown scenario '$scenario' (sustained, paced)" >&2; exit 2 ;;
    esac
    report="$out/$stamp-persistence-$scenario.json"
    echo; echo "=== $scenario ==="
    snapshot "$work/$scenario.before"
    set +e
    timeout --kill-after=10 "$budget" "$root/colmeia" bench "${args[@]}" --qos 1 --publishers "$publishers" \
        --subscribers 0 --target "persisted=127.0.0.1:$((base_port + 2)),received=127.0.0.1:$((base_port + 4))" \
        --target-pid "persisted=$persisted_pid,received=$received_pid" \
        --rounds "$rounds" --duration "$duration" --warmup "$warmup" --max-messages 2000000 \
        --log-level WARN --report "$report" >"$work/$scenario.out" 2>&1
    rc=$?
    set -e
    grep -vE '^\s*$' "$work/$scenario.out" | grep -E '^(target|persisted|received|median|ratio|!)' || true
    snapshot "$work/$scenario.after"
    where_the_time_goes "$scenario" "$work/$scenario.before" "$work/$scenario.after" | tee -a "$summary"
    [ "$rc" -eq 0 ] || { echo "bench/persistence.sh: $scenario ended with status $rc:" >&2; tail -n 20 "$work/$scenario.out" >&2; }
    [ -s "$report" ] || continue
    python3 - "$report" "$scenario" <<'PY' | tee -a "$summary"
import json, statistics, sys
report, scenario = sys.argv[1], sys.argv[2]
runs = json.load(open(report))["runs"]
def med(target, f):
    values = [f(r) for r in runs if r["target"] == target and not r.get("problem")]
    return statistics.median(values) if values else float("nan")
for target in ("persisted", "received"):
    acked = med(target, lambda r: r["ackedPerSecond"])
    sent = med(target, lambda r: r["sentPerSecond"])
    p50 = med(target, lambda r: r["ackLatency"]["p50Ms"])
    p99 = med(target, lambda r: r["ackLatency"]["p99Ms"])
    lost = sum(r["sent"] - r["acked"] for r in runs if r["target"] == target)
    cpu = med(target, lambda r: r["targetCpuCores"])
    print(f"{scenario:9} {target:9} acked {acked:8.0f} msg/s (sent {sent:8.0f}/s), PUBACK p50 {p50:8.1f} ms"
          f" p99 {p99:8.1f} ms, unacknowledged at end {lost}, replica cpu {cpu:.2f} cores")
pairs = [(a, b) for a in runs for b in runs if a["target"] == "persisted" and b["target"] == "received"
         and a["round"] == b["round"]]
if pairs:
    print(f"{scenario:9} ratio persisted/received: acked msg/s"
          f" {statistics.median(a['ackedPerSecond'] / max(b['ackedPerSecond'], 1e-9) for a, b in pairs):.2f},"
          f" PUBACK p99 {statistics.median(a['ackLatency']['p99Ms'] / max(b['ackLatency']['p99Ms'], 1e-9) for a, b in pairs):.1f}")
PY
done

echo
sleep 2 # ack=received writes behind the PUBACK: let the last batches land before reading the counters
written=$(metric $((base_port + 3)) 'colmeia_persistence_written_total{collection="telemetry"')
duplicates=$(metric $((base_port + 3)) 'colmeia_persistence_duplicates_total{')
spooled=$(metric $((base_port + 3)) 'colmeia_persistence_spooled_total{')
failed=$(metric $((base_port + 3)) 'colmeia_broker_telemetry_tapped_total{node="persisted",outcome="failed"')
durable=$(metric $((base_port + 3)) 'colmeia_broker_telemetry_tapped_total{node="persisted",outcome="stored"')
batches=$(metric $((base_port + 3)) 'colmeia_persistence_batch_documents_count{')
docs=$(metric $((base_port + 3)) 'colmeia_persistence_batch_documents_sum{')
wsum=$(metric $((base_port + 3)) 'colmeia_persistence_write_latency_seconds_sum{')
wcount=$(metric $((base_port + 3)) 'colmeia_persistence_write_latency_seconds_count{')
asum=$(metric $((base_port + 3)) 'colmeia_broker_telemetry_ack_wait_seconds_sum{')
acount=$(metric $((base_port + 3)) 'colmeia_broker_telemetry_ack_wait_seconds_count{')
commits=$(metric $((base_port + 1)) 'colmeia_store_commits_total{')
{
    echo "persisted replica counters: written $written, duplicates $duplicates, spooled $spooled, refused $failed;" \
        "tap outcome stored $durable"
    [ "${batches:-0}" -gt 0 ] && [ "${wcount:-0}" -gt 0 ] && echo "persisted replica batches: $batches, mean" \
        "$(( docs / batches )) docs; insertMany mean $(python3 -c "print(f'{$wsum / $wcount * 1000:.1f}')") ms"
    # the tap's wait for the sink (submit -> durable) against the PUBACK latency: the rest is HiveMQ's queueing
    [ "${acount:-0}" -gt 0 ] && echo "persisted replica: tap waited for the sink $(python3 -c "print(f'{$asum / $acount * 1000:.1f}')")" \
        "ms on average ($acount held publishes); store commits $commits"
    echo "store data file: $(metric $((base_port + 1)) 'colmeia_store_data_bytes{') bytes; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$summary"
echo "reports: $out/$stamp-persistence-*.json, summary $summary"
