#!/usr/bin/env bash
# bench/run.sh: colmeia vs a baseline Mosquitto, same load tool, same scenarios, alternating targets.
# Everything runs on loopback; every process this script starts is stopped when it ends (also on Ctrl-C).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
    cat <<'EOF'
Usage: bench/run.sh [options]

Starts a baseline Mosquitto (Debian package; configured with max_queued_messages 0 so it does not
silently drop QoS 1 messages) and one colmeia broker replica (in-memory persistence), then runs
`colmeia bench` for each scenario against both, alternating A B A B, and prints the ratios
colmeia/mosquitto. Reports go to bench/results/<date>-<scenario>.json.

Options:
  --quick               short runs: warm-up 3s, 2 rounds of 5s, at most 200k messages per run
  --scenarios LIST      comma-separated, from: throughput-qos1, throughput-qos0, fan-in, fan-out,
                        connections
                        (default: throughput-qos1,throughput-qos0,fan-in)
  --rounds N            measured rounds per target (default: 3; --quick: 2)
  --duration D          publishing time per run, e.g. 10s (default: 10s; --quick: 5s)
  --warmup D            uncounted warm-up per target (default: 5s; --quick: 3s)
  --max-messages N      messages per run at most (default: 1000000; --quick: 200000)
  --qos0-rate N         total msg/s of the QoS 0 throughput scenario (default: 20000)
  --devices N           devices of fan-in / connections (default: 1000)
  --colmeia HOST:PORT   measure an already running colmeia endpoint instead of starting a replica
  --mosquitto-port P    loopback port for the baseline Mosquitto (default: 18830)
  --colmeia-port P      loopback port for the colmeia replica this script starts (default: 18831)
  --no-mosquitto        measure colmeia only (no ratios)
  --nagle               clients leave Nagle on (like MQTT.js / Node-RED) instead of TCP_NODELAY
  --persist             the colmeia replica also persists telemetry (ack=persisted) to an embedded store
                        this script starts; by default telemetry is off, like the baseline, which stores
                        nothing
  --tool auto|launcher|module
                        run the load tool as `./colmeia bench` (launcher), from the device-emulator
                        module's own build (module), or the launcher when it offers bench (default: auto)
  --out DIR             where reports go (default: bench/results)
  -h, --help            this help

Measure on a quiet machine: one benchmark at a time (see docs/emulator.md).
EOF
}

quick=false
scenarios="throughput-qos1,throughput-qos0,fan-in"
rounds=""; duration=""; warmup=""; max_messages=""
qos0_rate=20000
devices=1000
colmeia_target=""
mosquitto_port=18830
colmeia_port=18831
with_mosquitto=true
nodelay="--tcp-nodelay"
persist=false
out="$root/bench/results"
tool=auto

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true ;;
        --scenarios) scenarios="$2"; shift ;;
        --rounds) rounds="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --warmup) warmup="$2"; shift ;;
        --max-messages) max_messages="$2"; shift ;;
        --qos0-rate) qos0_rate="$2"; shift ;;
        --devices) devices="$2"; shift ;;
        --colmeia) colmeia_target="$2"; shift ;;
        --mosquitto-port) mosquitto_port="$2"; shift ;;
        --colmeia-port) colmeia_port="$2"; shift ;;
        --no-mosquitto) with_mosquitto=false ;;
        --nagle) nodelay="--no-tcp-nodelay" ;;
        --persist) persist=true ;;
        --out) out="$2"; shift ;;
        --tool) tool="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
    esac
    shift
done

if $quick; then
    : "${rounds:=2}" "${duration:=5s}" "${warmup:=3s}" "${max_messages:=200000}"
else
    : "${rounds:=3}" "${duration:=10s}" "${warmup:=5s}" "${max_messages:=1000000}"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
case "$rounds$qos0_rate$devices$mosquitto_port$colmeia_port" in *[!0-9]*) echo "bench/run.sh: numbers expected" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench/run.sh: --rounds must be 1..20" >&2; exit 2; }

bench_workdir run

# ---- the load tool: `colmeia bench` if the launcher has it, else the emulator module's own entry point ----
emulator_cmd=()
case "$tool" in auto|launcher|module) ;; *) echo "bench/run.sh: --tool must be auto, launcher or module" >&2; exit 2 ;; esac
if [ "$tool" = auto ]; then
    if "$root/colmeia" bench --help 2>/dev/null | grep -q 'colmeia bench'; then tool=launcher; else tool=module; fi
fi
if [ "$tool" = launcher ]; then
    emulator_cmd=("$root/colmeia")
else
    echo "bench/run.sh: running the load tool from the device-emulator module; building it ..." >&2
    (cd "$root" && mvn -B -q -f device-emulator/pom.xml -DskipTests package \
        dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=runtime) \
        >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
    emulator_cmd=(java -cp "$root/device-emulator/target/classes:$(cat "$work/classpath.txt")"
        io.colmeia.emulator.EmulatorMain)
fi

# ---- baseline: Mosquitto from Debian ----
targets=()
target_pids=()
if $with_mosquitto; then
    if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "bench/run.sh: installing mosquitto (Debian) ..." >&2
            apt-get install -y -q mosquitto >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
        else
            echo "bench/run.sh: mosquitto is not installed (Debian: apt-get install -y mosquitto), or use --no-mosquitto" >&2
            exit 1
        fi
    fi
    mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    port_in_use 127.0.0.1 "$mosquitto_port" && { echo "bench/run.sh: port $mosquitto_port is in use; pick --mosquitto-port" >&2; exit 1; }
    cat >"$work/mosquitto.conf" <<EOF
listener $mosquitto_port 127.0.0.1
allow_anonymous true
persistence false
# Mosquitto's default (1000) silently drops QoS 1 messages beyond the queue while still sending PUBACKs
max_queued_messages 0
max_inflight_messages 0
EOF
    "$mosquitto_bin" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
    mosquitto_pid=$!
    pids+=("$mosquitto_pid")
    wait_for_port 127.0.0.1 "$mosquitto_port" 10 || { echo "bench/run.sh: mosquitto did not start:" >&2; cat "$work/mosquitto.log" >&2; exit 1; }
    echo "baseline: $("$mosquitto_bin" -h 2>/dev/null | head -n 1) on 127.0.0.1:$mosquitto_port (pid $mosquitto_pid)"
fi

# ---- colmeia: one broker replica (or a running endpoint) ----
if [ -n "$colmeia_target" ]; then
    targets+=("colmeia=$colmeia_target")
else
    port_in_use 127.0.0.1 "$colmeia_port" && { echo "bench/run.sh: port $colmeia_port is in use; pick --colmeia-port" >&2; exit 1; }
    http_port=$((colmeia_port + 1000))
    telemetry=(--telemetry off)
    if [ "$persist" = true ]; then
        store_port=$((colmeia_port + 2000))
        port_in_use 127.0.0.1 "$store_port" && { echo "bench/run.sh: port $store_port (store) is in use" >&2; exit 1; }
        "$root/colmeia" store --node-id bench-store --listen "127.0.0.1:$store_port" \
            --http "127.0.0.1:$((store_port + 1))" --data-dir "$work/store" --log-level WARN >"$work/store.log" 2>&1 &
        pids+=("$!")
        wait_for_port 127.0.0.1 "$store_port" 180 || { echo "bench/run.sh: store did not start:" >&2; tail -n 30 "$work/store.log" >&2; exit 1; }
        telemetry=(--mongodb-uri "mongodb://127.0.0.1:$store_port/?replicaSet=rs0" --ack persisted)
    fi
    "$root/colmeia" broker --node-id bench-broker --mqtt "127.0.0.1:$colmeia_port" --http "127.0.0.1:$http_port" \
        --persistence memory --data-dir "$work/broker" --log-level WARN "${telemetry[@]}" >"$work/broker.log" 2>&1 &
    colmeia_pid=$!
    pids+=("$colmeia_pid")
    wait_for_port 127.0.0.1 "$colmeia_port" 180 || { echo "bench/run.sh: colmeia broker did not start:" >&2; tail -n 30 "$work/broker.log" >&2; exit 1; }
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$http_port/ready" >/dev/null 2>&1 && break
        sleep 0.2
    done
    # ./colmeia execs java, so this pid is the broker JVM itself
    targets+=("colmeia=127.0.0.1:$colmeia_port")
    target_pids+=("colmeia=$colmeia_pid")
    echo "target: colmeia broker replica (in-memory, telemetry persisted: $persist) on 127.0.0.1:$colmeia_port (pid $colmeia_pid)"
fi
if $with_mosquitto; then
    targets+=("mosquitto=127.0.0.1:$mosquitto_port")
    target_pids+=("mosquitto=$mosquitto_pid")
fi

mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "machine: $(nproc) cores, $(uname -sr); load now: $(cut -d' ' -f1-3 /proc/loadavg)"

per_run=$(( $(seconds_of "$duration") + 40 ))
budget=$(( (rounds + 1) * ${#targets[@]} * per_run + 60 ))
summary=()
IFS=',' read -r -a scenario_list <<<"$scenarios"
for scenario in "${scenario_list[@]}"; do
    case "$scenario" in
        throughput-qos1) args=(throughput --qos 1 --sub-qos 1) ;;
        throughput-qos0) args=(throughput --qos 0 --sub-qos 0 --rate "$qos0_rate") ;;
        fan-in) args=(fan-in --devices "$devices" --interval 1s --qos 1) ;;
        fan-out) args=(fan-out --publishers 2 --rate 1000 --subscribers 20 --qos 1) ;;
        connections) args=(connections --devices "$devices") ;;
        *) echo "bench/run.sh: unknown scenario '$scenario'" >&2; exit 2 ;;
    esac
    report="$out/$stamp-$scenario.json"
    echo
    echo "=== $scenario ==="
    set +e
    timeout --kill-after=10 "$budget" "${emulator_cmd[@]}" bench "${args[@]}" \
        --target "$(IFS=,; echo "${targets[*]}")" \
        ${target_pids:+--target-pid "$(IFS=,; echo "${target_pids[*]}")"} \
        --rounds "$rounds" --duration "$duration" --warmup "$warmup" --max-messages "$max_messages" \
        "$nodelay" --report "$report" | tee "$work/$scenario.out"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" -eq 0 ] || echo "bench/run.sh: $scenario ended with status $rc (see the ! notes above)" >&2
    while IFS= read -r line; do summary+=("$scenario: $line"); done < <(grep -E '^(ratio|median)' "$work/$scenario.out" || true)
done

echo
echo "=== summary ($stamp; reports in $out) ==="
printf '%s\n' "${summary[@]:-no results}"
