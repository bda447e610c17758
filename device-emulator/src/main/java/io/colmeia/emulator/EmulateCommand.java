package io.colmeia.emulator;

import io.colmeia.common.config.CommonOptions;
import io.colmeia.common.config.Converters;
import io.colmeia.common.config.HostPort;
import io.colmeia.common.config.InvalidConfigurationException;
import io.colmeia.common.http.StatusServer;
import io.colmeia.common.lifecycle.ShutdownSignal;
import io.colmeia.common.logging.Logging;
import io.colmeia.common.metrics.Metrics;
import io.colmeia.emulator.device.DeviceIdentity;
import io.colmeia.emulator.device.FleetSettings;
import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.resolve.BrokerResolver;
import io.colmeia.emulator.resolve.DnsResolver;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.subscriber.TopicFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code colmeia emulate}: a fleet of virtual ESP8266s (and optional subscribers) until stopped or bounded. */
@Command(name = "emulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run N virtual ESP8266 devices publishing telemetry (and optional Node-RED-like subscribers"
                + " that measure latency, loss and duplicates) on a few threads.",
                "Stops on SIGTERM/SIGINT, after --duration, or once every device sent --count readings;"
                        + " then prints a summary."})
public final class EmulateCommand implements Callable<Integer> {

    static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(15);
    static final Duration DRAIN = Duration.ofSeconds(5);
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Duration MAX_INTERVAL = Duration.ofHours(1);
    private static final Duration MAX_DURATION = Duration.ofDays(7);

    @Option(names = "--node-id", defaultValue = "emulator-1", paramLabel = "ID",
            description = "This emulator's id; labels its metrics and logs, prefixes subscriber client ids"
                    + " (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--broker", defaultValue = "127.0.0.1:1883", paramLabel = "HOST:PORT",
            converter = Converters.HostPortConverter.class,
            description = "MQTT broker (or ingress) to connect to when --dns is not set (default: ${DEFAULT-VALUE}).")
    HostPort broker;

    @Option(names = "--dns", paramLabel = "HOST:PORT", converter = Converters.HostPortConverter.class,
            description = "colmeia DNS server to resolve --name through before every (re)connect, taking the first"
                    + " A record like lwIP (default: not set, use --broker).")
    HostPort dns;

    @Option(names = "--name", defaultValue = "mqtt.colmeia.internal", paramLabel = "NAME",
            description = "Cluster name resolved through --dns (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--mqtt-port", defaultValue = "1883", paramLabel = "PORT",
            description = "MQTT port used with the address --dns returns (default: ${DEFAULT-VALUE}).")
    int mqttPort;

    @Option(names = "--dns-timeout", defaultValue = "2s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time to wait for a DNS answer before backing off (default: ${DEFAULT-VALUE}).")
    Duration dnsTimeout;

    @Option(names = "--devices", defaultValue = "100", paramLabel = "N",
            description = "Virtual devices in this process, at most what the open-file limit allows"
                    + " (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--devices-per-process", defaultValue = "0", paramLabel = "N",
            description = "Devices one process runs; more --devices are spread over child emulator processes that"
                    + " this one starts and stops; 0 = as many as the open-file limit allows (default: ${DEFAULT-VALUE}).")
    int devicesPerProcess;

    @Option(names = "--device-offset", defaultValue = "0", paramLabel = "N",
            description = "Number the devices from N+1, so several emulators run disjoint devices"
                    + " (default: ${DEFAULT-VALUE}).")
    int deviceOffset;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time between readings of one device; 0s = as fast as the in-flight window (QoS 1/2) or"
                    + " the socket (QoS 0) allows (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--count", defaultValue = "0", paramLabel = "N",
            description = "Readings per device, then stop; 0 = no limit (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--duration", defaultValue = "0s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Stop after this long; 0s = run until stopped (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--qos", defaultValue = "1", paramLabel = "0|1|2",
            description = "QoS of telemetry PUBLISHes (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = "--max-inflight", defaultValue = "10", paramLabel = "N",
            description = "Unacknowledged QoS 1/2 messages per device; readings due beyond it are skipped"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--ramp-rate", defaultValue = "200", paramLabel = "N",
            description = "Devices started per second at start-up (default: ${DEFAULT-VALUE}).")
    int rampRate;

    @Option(names = "--topic", defaultValue = "no{n}/{room}/temperatura", paramLabel = "TEMPLATE",
            description = "Telemetry topic; {n} = device number, {room} = sala, quarto, ... (cycling), {mac} ="
                    + " MAC without colons; status goes to the same path ending in /status (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--mac-prefix", defaultValue = "A0:20:A6", paramLabel = "XX:XX:XX",
            description = "First three octets of the MACs; the device number fills the rest (default: ${DEFAULT-VALUE}).")
    String macPrefix;

    @Option(names = "--clean-session", defaultValue = "false", arity = "1", paramLabel = "true|false",
            description = "Devices connect with a clean session (false keeps QoS state on the broker across"
                    + " reconnects) (default: ${DEFAULT-VALUE}).")
    boolean cleanSession;

    @Option(names = "--keep-alive", defaultValue = "60s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "MQTT keep-alive (default: ${DEFAULT-VALUE}).")
    Duration keepAlive;

    @Option(names = "--connect-timeout", defaultValue = "10s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Time for TCP connect plus CONNACK before the attempt counts as failed"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--reconnect-min", defaultValue = "1s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "First reconnect backoff; doubles per failed attempt, with jitter (default: ${DEFAULT-VALUE}).")
    Duration reconnectMin;

    @Option(names = "--reconnect-max", defaultValue = "60s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Longest reconnect backoff (default: ${DEFAULT-VALUE}).")
    Duration reconnectMax;

    @Option(names = "--tcp-nodelay", negatable = true, defaultValue = "true", fallbackValue = "true",
            paramLabel = "true|false",
            description = "Disable Nagle's algorithm; --no-tcp-nodelay behaves like MQTT.js / Node-RED"
                    + " (default: ${DEFAULT-VALUE}).")
    boolean tcpNoDelay;

    @Option(names = "--subscribers", defaultValue = "0", paramLabel = "M",
            description = "Subscribers measuring latency, loss and duplicates (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--filter", defaultValue = "#", paramLabel = "FILTER",
            description = "Topic filter of the subscribers (default: ${DEFAULT-VALUE}).")
    String filter;

    @Option(names = "--sub-qos", defaultValue = "1", paramLabel = "0|1|2",
            description = "QoS the subscribers ask for (default: ${DEFAULT-VALUE}).")
    int subQos;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Netty event-loop threads carrying all connections (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--progress", defaultValue = "5s", paramLabel = "DURATION",
            converter = Converters.DurationConverter.class,
            description = "Interval of the progress line (default: ${DEFAULT-VALUE}).")
    Duration progress;

    @Option(names = "--http", paramLabel = "HOST:PORT", converter = Converters.HostPortConverter.class,
            description = "Serve /metrics, /health and /ready here (default: not set, no HTTP endpoint).")
    HostPort http;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the simulated readings, for repeatable runs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    CommandSpec spec;

    /** At most this many child processes (16 × 19,744 devices). */
    static final int MAX_CHILDREN = 16;

    @Override
    public Integer call() throws Exception {
        Logging.configure(nodeId, common.logLevel);
        EmulationConfig config = config();
        if (devices > perProcess()) {
            return spread();
        }
        BrokerResolver resolver = resolver();
        PrometheusMeterRegistry registry = Metrics.create("emulator", nodeId);
        Emulation emulation = new Emulation(config, resolver, System.out);
        EmulatorMetrics.bind(registry, emulation);
        StatusServer status = null;
        AtomicBoolean finished = new AtomicBoolean();
        try {
            if (http != null) {
                status = StatusServer.start("--http", http, registry, emulation::ready);
            }
            StatusServer statusServer = status;
            Runnable finish = () -> {
                if (finished.compareAndSet(false, true)) {
                    try {
                        emulation.drain(DRAIN);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    emulation.printSummary();
                    emulation.close();
                    if (statusServer != null) {
                        statusServer.close();
                    }
                    resolver.close();
                }
            };
            ShutdownSignal signal = new ShutdownSignal("emulator " + nodeId, finish);
            System.out.printf("emulating %d device(s) against %s, QoS %d every %s, %d subscriber(s) on '%s'%n",
                    devices, resolver.describe(), qos, Converters.formatDuration(interval), subscribers, filter);
            emulation.start(SUBSCRIBE_WAIT);
            long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (!finished.get() && System.nanoTime() < deadline && !emulation.finished()) {
                Thread.sleep(100);
            }
            signal.cancel();
            finish.run();
            return 0;
        } finally {
            if (finished.compareAndSet(false, true)) {
                emulation.close();
                if (status != null) {
                    status.close();
                }
                resolver.close();
            }
            registry.close();
        }
    }

    EmulationConfig config() {
        if (!NODE_ID.matcher(nodeId).matches()) {
            throw new InvalidConfigurationException("--node-id", "'" + nodeId
                    + "' is not an id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        int budget = ConnectionBudget.maxConnections();
        if (devicesPerProcess < 0 || devicesPerProcess > budget) {
            throw new InvalidConfigurationException("--devices-per-process", "must be 0 (as many as allowed) .."
                    + budget + " (one open file per connection; the limit here is "
                    + ConnectionBudget.DEFAULT_FD_LIMIT + " per process), got " + devicesPerProcess);
        }
        int perProcess = perProcess();
        long maxDevices = (long) perProcess * MAX_CHILDREN;
        if (devices < 1 || devices > maxDevices) {
            throw new InvalidConfigurationException("--devices", "must be 1.." + maxDevices + " (" + perProcess
                    + " per process, at most " + MAX_CHILDREN + " processes), got " + devices);
        }
        if (subscribers < 0 || (long) Math.min(devices, perProcess) + subscribers > budget) {
            throw new InvalidConfigurationException("--subscribers", "devices + subscribers of one process must be"
                    + " at most " + budget + ", got " + Math.min(devices, perProcess) + " + " + subscribers);
        }
        if (deviceOffset < 0 || (long) deviceOffset + devices > DeviceIdentity.MAX_NUMBER) {
            throw new InvalidConfigurationException("--device-offset", "device numbers must stay within 1.."
                    + DeviceIdentity.MAX_NUMBER + ", got offset " + deviceOffset);
        }
        requireRange("--qos", qos, 0, 2);
        requireRange("--sub-qos", subQos, 0, 2);
        requireRange("--max-inflight", maxInFlight, 1, 65_535);
        requireRange("--ramp-rate", rampRate, 1, 100_000);
        requireRange("--threads", threads, 1, 64);
        requireRange("--mqtt-port", mqttPort, 1, 65_535);
        if (interval.isNegative() || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new InvalidConfigurationException("--interval", "must be 0s (as fast as allowed) up to 1h, got "
                    + Converters.formatDuration(interval));
        }
        if (interval.isZero() && count == 0 && duration.isZero()) {
            throw new InvalidConfigurationException("--interval", "0s (as fast as allowed) needs a bound:"
                    + " set --count or --duration");
        }
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new InvalidConfigurationException("--count", "must be 0 (no limit) .. " + Integer.MAX_VALUE
                    + ", got " + count);
        }
        if (duration.isNegative() || duration.compareTo(MAX_DURATION) > 0) {
            throw new InvalidConfigurationException("--duration", "must be 0s (until stopped) up to 7 days");
        }
        requireBetween("--keep-alive", keepAlive, Duration.ofSeconds(1), Duration.ofSeconds(65_535));
        requireBetween("--connect-timeout", connectTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        requireBetween("--reconnect-min", reconnectMin, Duration.ofMillis(10), Duration.ofHours(1));
        requireBetween("--reconnect-max", reconnectMax, reconnectMin, Duration.ofHours(1));
        requireBetween("--progress", progress, Duration.ofSeconds(1), Duration.ofHours(1));
        requireBetween("--dns-timeout", dnsTimeout, Duration.ofMillis(100), Duration.ofMinutes(1));
        if (!DeviceIdentity.isValidMacPrefix(macPrefix)) {
            throw new InvalidConfigurationException("--mac-prefix", "'" + macPrefix
                    + "' is not three upper-case hex octets like A0:20:A6");
        }
        String topicProblem = DeviceIdentity.validateTopicTemplate(topic);
        if (topicProblem != null) {
            throw new InvalidConfigurationException("--topic", topicProblem);
        }
        String filterProblem = TopicFilter.validate(filter);
        if (filterProblem != null) {
            throw new InvalidConfigurationException("--filter", "'" + filter + "' " + filterProblem);
        }
        if (dns != null && (name == null || name.isBlank())) {
            throw new InvalidConfigurationException("--name", "is empty");
        }
        FleetSettings fleet = new FleetSettings(devices, deviceOffset, macPrefix, topic, qos, interval, count,
                rampRate, seed);
        ClientSettings client = new ClientSettings("template", cleanSession, keepAlive, null, maxInFlight,
                tcpNoDelay, connectTimeout, reconnectMin, reconnectMax, 1 << 20);
        return new EmulationConfig(nodeId, fleet, client, subscribers, filter, subQos, threads, progress, duration);
    }

    private int perProcess() {
        return devicesPerProcess == 0 ? ConnectionBudget.maxConnections() : devicesPerProcess;
    }

    /** Runs the devices in child emulators, {@link #perProcess()} each, until they end or a stop signal. */
    private int spread() throws Exception {
        resolver().close(); // fail here, once, on a bad --broker or --dns
        ChildEmulators children = new ChildEmulators();
        ShutdownSignal signal = new ShutdownSignal("emulator " + nodeId, children::stop);
        try {
            List<String> shared = ChildEmulators.sharedArguments(spec.commandLine().getParseResult().originalArgs());
            List<List<String>> started = children.start(shared, devices, perProcess(), deviceOffset, nodeId,
                    subscribers, http == null ? null : http.host(), http == null ? 0 : http.port());
            System.out.printf("spreading %d devices over %d child emulator processes (%d each at most)%n",
                    devices, started.size(), perProcess());
            int status = children.await();
            signal.cancel();
            return status;
        } catch (Exception | Error e) {
            signal.cancel();
            children.stop();
            throw e;
        }
    }

    private BrokerResolver resolver() {
        if (dns != null) {
            try {
                return new DnsResolver(dns, name, mqttPort, dnsTimeout);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException(e.getMessage().contains("DNS name") ? "--name" : "--dns",
                        e.getMessage());
            }
        }
        try {
            return new FixedResolver(broker);
        } catch (UnknownHostException e) {
            throw new InvalidConfigurationException("--broker", "host '" + broker.host() + "' is unknown");
        }
    }

    static void requireRange(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidConfigurationException(option, "must be " + min + ".." + max + ", got " + value);
        }
    }

    static void requireBetween(String option, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigurationException(option, "must be between " + Converters.formatDuration(min)
                    + " and " + Converters.formatDuration(max) + ", got " + Converters.formatDuration(value));
        }
    }
}
