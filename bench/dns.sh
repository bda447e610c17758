#!/usr/bin/env bash
# Benchmark: dnsperf against colmeia's DNS server and against BIND 9 serving the same zone, in one run.
# Needs Debian packages dnsperf and bind9 (apt-get install dnsperf bind9) and python3.
# Usage: bench/dns.sh [SECONDS]
# COLMEIA_DNS_CMD overrides how the server is started (default: ./colmeia dns).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN="${1:-10}"
DNS_CMD="${COLMEIA_DNS_CMD:-./colmeia dns}"
WORK="$(mktemp -d /tmp/colmeia-dns-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in dnsperf named python3 dig; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install dnsperf bind9 dnsutils python3)"; exit 2; }
done

# Two fake ingress nodes answering MQTT CONNECT with CONNACK, so the server sees them healthy.
cat > "$WORK/ingress.py" <<'PY'
import socket, sys, threading
def serve(addr):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 1883)); s.listen(50)
    while True:
        c, _ = s.accept()
        try:
            c.settimeout(2); d = c.recv(256)
            if d and d[0] == 0x10: c.sendall(bytes([0x20, 2, 0, 0]))
            c.recv(16)
        except Exception: pass
        finally: c.close()
for a in sys.argv[1:]: threading.Thread(target=serve, args=(a,), daemon=True).start()
threading.Event().wait()
PY
python3 "$WORK/ingress.py" 127.0.3.11 127.0.3.12 & PIDS+=($!)

# colmeia: rate limiting off (dnsperf is one client; BIND has no rate limit configured either).
$DNS_CMD --listen 127.0.3.1:5353 --http 127.0.3.1:9109 --ingress 127.0.3.11:1883,127.0.3.12:1883 --srv \
  --record "broker-1 A 127.0.1.1" --rrl-responses-per-second 0 --log-level WARN > "$WORK/colmeia.log" 2>&1 &
PIDS+=($!)

# BIND 9 with the same data. BIND listens only on interface addresses, hence 127.0.0.1.
mkdir -p "$WORK/bind"
cat > "$WORK/bind/named.conf" <<CONF
options { directory "$WORK/bind"; listen-on port 5354 { 127.0.0.1; }; listen-on-v6 { none; };
  recursion no; dnssec-validation no; pid-file "$WORK/bind/named.pid"; session-keyfile "$WORK/bind/s.key"; };
controls { };
zone "colmeia.internal" { type primary; file "$WORK/bind/zone"; };
CONF
cat > "$WORK/bind/zone" <<'ZONE'
$TTL 10
@ IN SOA ns.colmeia.internal. hostmaster.colmeia.internal. 1 3600 600 86400 10
@ IN NS ns
ns IN A 127.0.3.3
mqtt IN A 127.0.3.11
mqtt IN A 127.0.3.12
_mqtt._tcp IN SRV 0 1 1883 127-0-3-11.nodes
_mqtt._tcp IN SRV 0 1 1883 127-0-3-12.nodes
127-0-3-11.nodes IN A 127.0.3.11
127-0-3-12.nodes IN A 127.0.3.12
broker-1 IN A 127.0.1.1
ZONE
named -g -n 2 -c "$WORK/bind/named.conf" > "$WORK/bind.log" 2>&1 & PIDS+=($!)

# The query mix: mostly the service name, some SRV, NXDOMAIN, NODATA and static names.
for i in $(seq 1 50); do echo "mqtt.colmeia.internal A"; done > "$WORK/queries"
for i in $(seq 1 5); do
  printf '%s\n' "_mqtt._tcp.colmeia.internal SRV" "nope$i.colmeia.internal A" "mqtt.colmeia.internal AAAA" \
    "broker-1.colmeia.internal A" >> "$WORK/queries"
done

wait_for() { # server port
  for _ in $(seq 1 60); do
    dig @"$1" -p "$2" mqtt.colmeia.internal +short +time=1 +tries=1 2>/dev/null | grep -q 127.0.3 && return 0
    sleep 1
  done
  echo "no answer from $1:$2"; exit 1
}
wait_for 127.0.3.1 5353
wait_for 127.0.0.1 5354

run() { # label server port
  echo "== $1"
  timeout $((SECONDS_PER_RUN + 30)) dnsperf -s "$2" -p "$3" -d "$WORK/queries" -l "$SECONDS_PER_RUN" -c 4 -T 2 \
    -q 200 2>&1 | grep -E "Queries (sent|completed|lost|per second)|Average Latency"
}
timeout 30 dnsperf -s 127.0.3.1 -p 5353 -d "$WORK/queries" -l 5 -c 4 -T 2 -q 200 > /dev/null 2>&1 || true # JIT warm-up
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
run colmeia 127.0.3.1 5353
run bind9 127.0.0.1 5354
run colmeia 127.0.3.1 5353
run bind9 127.0.0.1 5354
