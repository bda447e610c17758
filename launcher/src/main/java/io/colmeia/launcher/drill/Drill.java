package io.colmeia.launcher.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.colmeia.broker.BrokerConfig;
import io.colmeia.common.config.HostPort;
import io.colmeia.emulator.device.DeviceFleet;
import io.colmeia.emulator.device.FleetSettings;
import io.colmeia.emulator.mqtt.ClientSettings;
import io.colmeia.emulator.resolve.DnsResolver;
import io.colmeia.emulator.resolve.FixedResolver;
import io.colmeia.emulator.stats.ClientStats;
import io.colmeia.launcher.local.ClusterPlan;
import io.colmeia.launcher.local.ClusterPlan.Planned;
import io.colmeia.launcher.local.ClusterState;
import io.colmeia.launcher.local.LocalAddresses;
import io.colmeia.launcher.local.ManagedProcess;
import io.colmeia.launcher.local.ReadyProbe;
import io.colmeia.launcher.local.RestartPolicy;
import io.colmeia.launcher.local.Supervisor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** One run of the fault drill: cluster, fleet and subscribers up; faults; drain; verdict. */
final class Drill {

    /** The fleet's MACs (and so client ids) start with this, to tell its readings from anything else stored. */
    static final String MAC_PREFIX = "D0:0D:11";
    private static final String DATABASE = "colmeia";

    record Settings(Path dir, Duration duration, List<FaultKind> kinds, int devices, Duration interval,
                    Duration pause, Duration maxWait, Duration cut, Duration settle, Duration drain, long seed,
                    int mqttPort, int httpPort, int clusterPort, int dnsPort, int storePort, String heap,
                    Duration readyTimeout, Path report, String commandLine) {
    }

    private final Settings settings;
    private final PrintWriter out;
    private final Random random;
    private final AckLedger ledger = new AckLedger();
    private final List<InjectedFault> faults = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Set<InjectedFault> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private long startMillis;

    Drill(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
        this.random = new Random(settings.seed());
    }

    private void line(String text) {
        long t = startMillis == 0 ? 0 : System.currentTimeMillis() - startMillis;
        out.printf(Locale.ROOT, "[drill %6.1fs] %s%n", t / 1000.0, text);
        out.flush();
    }

    int run() throws Exception {
        // the drill reads the store with the MongoDB driver: its connection chatter would drown the timeline
        org.slf4j.Logger driver = org.slf4j.LoggerFactory.getLogger("org.mongodb.driver");
        if (driver instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        Path dir = settings.dir();
        prepare(dir);
        List<Planned> plan = plan(dir);
        HostPort proxy = new HostPort(LinkProxyAddress.HOST, settings.clusterPort());
        requireFree(plan, proxy);
        startMillis = System.currentTimeMillis();
        Supervisor supervisor = Supervisor.of(dir, plan, List.of("-Xmx" + settings.heap()),
                new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, Duration.ofMillis(500), Duration.ofSeconds(10),
                        Duration.ofSeconds(10)), settings.readyTimeout(), Duration.ofSeconds(20), out).oneAtATime();
        Thread hook = new Thread(supervisor::stop, "colmeia-drill-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        EventLoopGroup group = new NioEventLoopGroup(2, new DefaultThreadFactory("drill-clients", true));
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drill-progress");
            t.setDaemon(true);
            return t;
        });
        List<DrillSubscriber> subscribers = new ArrayList<>();
        DeviceFleet fleet = null;
        Thread supervising = null;
        try (LinkCutter cutter = new LinkCutter(proxy, new HostPort(LocalAddresses.broker(2),
                settings.clusterPort()))) {
            line("starting the cluster in " + dir + " (broker-1 reaches broker-2's cluster link through " + proxy
                    + ")");
            supervisor.start();
            supervising = new Thread(() -> {
                try {
                    supervisor.supervise();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "drill-supervisor");
            supervising.setDaemon(true);
            supervising.start();
            line("cluster ready");

            ClientSettings client = new ClientSettings("template", false, Duration.ofSeconds(30), null, 10, true,
                    Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofSeconds(4), 1 << 20);
            ClientStats subscriberStats = new ClientStats();
            for (int i = 1; i <= 2; i++) {
                HostPort via = new HostPort(LocalAddresses.ingress(i), settings.mqttPort());
                DrillSubscriber s = new DrillSubscriber("drill-sub-" + i, "ingress-" + i, client, group.next(),
                        new FixedResolver(via), subscriberStats);
                subscribers.add(s);
                s.start();
            }
            waitUntil(Duration.ofSeconds(30), () -> subscribers.stream().allMatch(DrillSubscriber::subscribed));
            line("subscribers on '#': " + subscribers.stream().filter(DrillSubscriber::subscribed).count() + " of "
                    + subscribers.size() + " subscribed");

            ClientStats deviceStats = new ClientStats();
            FleetSettings fleetSettings = new FleetSettings(settings.devices(), 0, MAC_PREFIX,
                    "no{n}/{room}/temperatura", 1, settings.interval(), 0, Math.max(50, settings.devices() / 5),
                    settings.seed());
            DnsResolver resolver = new DnsResolver(new HostPort(LocalAddresses.dns(), settings.dnsPort()),
                    ClusterState.SERVICE_NAME, settings.mqttPort(), Duration.ofSeconds(2));
            fleet = new DeviceFleet(fleetSettings, client, group, resolver, deviceStats, ledger);
            fleet.start(true);
            DeviceFleet running = fleet;
            progress.scheduleAtFixedRate(() -> progressLine(running, deviceStats, subscribers), 10, 10,
                    TimeUnit.SECONDS);
            waitUntil(Duration.ofSeconds(120), () -> deviceStats.connected.get() >= settings.devices());
            line(deviceStats.connected.get() + " of " + settings.devices() + " devices connected via DNS + ingress;"
                    + " publishing QoS 1 every " + settings.interval().toMillis() + " ms");
            Thread.sleep(settings.settle().toMillis());

            progress.scheduleWithFixedDelay(() -> watchRecoveries(supervisor), 250, 250, TimeUnit.MILLISECONDS);
            long faultStart = System.currentTimeMillis();
            injectFaults(supervisor, cutter, plan);
            long faultSeconds = (System.currentTimeMillis() - faultStart) / 1000;
            line("waiting until every killed process is back");
            waitUntil(settings.readyTimeout(), () -> pending.isEmpty() && allReady(supervisor, plan));
            if (!pending.isEmpty()) {
                line("still not back: " + pending.stream().map(f -> f.target).toList());
            }
            Thread.sleep(settings.settle().toMillis());

            line("faults over; devices stop publishing, waiting for outstanding acknowledgements");
            fleet.stopPublishing();
            waitUntil(settings.drain(), () -> running.inFlight() == 0);
            line("in flight: " + fleet.inFlight() + "; comparing acknowledged readings with the database");
            Map<String, BitSet> acknowledged = ledger.acknowledged();
            long published = fleet.lastSeqByMac().values().stream().mapToLong(Long::longValue).sum();
            waitForBacklog(supervisor, plan);
            String mongodb = supervisor.current("store-1").map(ManagedProcess::mongodb).orElseThrow();
            StoredReadings read = waitForStore(mongodb, acknowledged);
            StoredReadings stored = read != null ? read : StoredReadings.unreadable();
            Verdict verdict = Verdict.compute(startMillis, faultSeconds, settings.devices(), published,
                    faults.stream().map(InjectedFault::toFault).toList(), ledger, acknowledged, subscribers, stored, settings.kinds(),
                    System.currentTimeMillis());
            out.println();
            out.print(verdict.text());
            writeReport(verdict);
            out.println("report: " + settings.report());
            out.flush();
            return verdict.passed() ? 0 : 1;
        } finally {
            progress.shutdownNow();
            List<CompletableFuture<Void>> closing = new ArrayList<>();
            if (fleet != null) {
                closing.add(fleet.close());
            }
            subscribers.forEach(s -> closing.add(s.close()));
            try {
                CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                line("not every client disconnected cleanly: " + e);
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            line("stopping the cluster");
            supervisor.stop();
            if (supervising != null) {
                supervising.join(5_000);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is stopping the cluster already
            }
        }
    }

    /** Where the proxy in front of broker-2's cluster port listens: an address no other process uses. */
    static final class LinkProxyAddress {
        static final String HOST = "127.0.5.1";

        private LinkProxyAddress() {
        }
    }

    private void prepare(Path dir) throws IOException {
        Optional<ClusterState> previous = ClusterState.load(dir);
        if (previous.isPresent() && (!previous.get().alive().isEmpty() || previous.get().launcher().isPresent())) {
            throw new IllegalStateException("a local cluster still runs in " + dir + "; stop it with 'colmeia down"
                    + " --dir " + dir + "'");
        }
        for (String sub : List.of("run", "logs", "data")) {
            deleteTree(dir.resolve(sub)); // each drill starts from an empty store and empty spools
        }
        Files.createDirectories(dir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * The standard local cluster, except for the link between broker-1 and broker-2: broker-1 (the lower id,
     * the one that dials) reaches broker-2 through the cutting proxy, and broker-2 is not told broker-1's
     * address, so it cannot learn a direct path around the proxy.
     */
    private List<Planned> plan(Path dir) {
        List<Planned> plan = ClusterPlan.plan(dir, new ClusterPlan.Shape(3, settings.mqttPort(), settings.clusterPort(),
                2, settings.mqttPort(), true, settings.dnsPort(), true, settings.storePort(), settings.httpPort(),
                BrokerConfig.PersistenceMode.file));
        if (!settings.kinds().contains(FaultKind.LINK)) {
            return plan;
        }
        String broker1 = new HostPort(LocalAddresses.broker(1), settings.clusterPort()).toString();
        String broker2 = new HostPort(LocalAddresses.broker(2), settings.clusterPort()).toString();
        String proxy = new HostPort(LinkProxyAddress.HOST, settings.clusterPort()).toString();
        List<Planned> rewired = new ArrayList<>();
        for (Planned p : plan) {
            if (p.id().equals("broker-1")) {
                p = withPeers(p, peers -> peers.stream().map(a -> a.equals(broker2) ? proxy : a).toList());
            } else if (p.id().equals("broker-2")) {
                p = withPeers(p, peers -> peers.stream().filter(a -> !a.equals(broker1)).toList());
            }
            rewired.add(p);
        }
        return rewired;
    }

    private static Planned withPeers(Planned p, java.util.function.UnaryOperator<List<String>> change) {
        List<String> args = new ArrayList<>(p.args());
        int i = args.indexOf("--peers");
        if (i < 0 || i + 1 >= args.size()) {
            throw new IllegalStateException(p.id() + " has no --peers to rewire: " + args);
        }
        args.set(i + 1, String.join(",", change.apply(List.of(args.get(i + 1).split(",")))));
        return new Planned(p.role(), p.id(), List.copyOf(args), p.address(), p.http(), p.otherListens(), p.log(),
                p.data());
    }

    private static void requireFree(List<Planned> plan, HostPort proxy) {
        List<HostPort> all = new ArrayList<>();
        plan.forEach(p -> all.addAll(p.listens()));
        all.add(proxy);
        for (HostPort address : all) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(address.host(), address.port()));
            } catch (IOException e) {
                throw new IllegalStateException("the drill cannot listen on " + address + " (" + e.getMessage()
                        + "); choose other ports (--mqtt-port, --http-port, --cluster-port, --dns-port, --store-port)");
            }
        }
    }

    private void injectFaults(Supervisor supervisor, LinkCutter cutter, List<Planned> plan)
            throws InterruptedException {
        long begin = System.nanoTime();
        long end = begin + settings.duration().toNanos();
        long hardEnd = begin + settings.duration().multipliedBy(4).toNanos();
        Set<FaultKind> done = EnumSet.noneOf(FaultKind.class);
        List<FaultKind> cycle = new ArrayList<>();
        while (System.nanoTime() < hardEnd && (System.nanoTime() < end || !done.containsAll(settings.kinds()))) {
            if (cycle.isEmpty()) {
                cycle.addAll(settings.kinds());
                Collections.shuffle(cycle, random); // every kind once per cycle, in a random order
            }
            FaultKind kind = nextKind(cycle);
            InjectedFault fault = kind == FaultKind.LINK ? cutLink(cutter, faults.size() + 1)
                    : kill(supervisor, kind, plan, faults.size() + 1);
            faults.add(fault);
            done.add(kind);
            Thread.sleep(settings.pause().toMillis());
        }
    }

    /**
     * The next kind of this cycle that keeps the faults on the devices' connection path (DNS server, ingress
     * node, broker replica) one at a time: with --max-wait the drill may move on before a killed process is back,
     * and two of them down at once (no DNS while an ingress node is gone) is not the single failure whose
     * reconnect time we measure. Store and link faults do not touch that path and may overlap. When only
     * connection-path kinds are left, waits (bounded by --ready-timeout) for the pending one to come back.
     */
    private FaultKind nextKind(List<FaultKind> cycle) throws InterruptedException {
        for (int i = 0; i < cycle.size(); i++) {
            if (!onConnectionPath(cycle.get(i)) || !connectionPathDown()) {
                return cycle.remove(i);
            }
        }
        // meanwhile, a link cut (outside the cycle) keeps the drill busy: it is over in --cut and touches neither
        // the devices' path nor the store (each store kill sends every reading to the replicas' spools until the
        // store is back, and a replica's restart waits for the store)
        if (settings.kinds().contains(FaultKind.LINK)) {
            return FaultKind.LINK;
        }
        line("waiting for " + pending.stream().filter(f -> onConnectionPath(f.kind)).map(f -> f.target).toList()
                + " to be back before the next fault on the devices' connection path");
        waitUntil(settings.readyTimeout(), () -> !connectionPathDown());
        return cycle.remove(0);
    }

    private static boolean onConnectionPath(FaultKind kind) {
        return kind == FaultKind.DNS || kind == FaultKind.INGRESS || kind == FaultKind.BROKER;
    }

    private boolean connectionPathDown() {
        return pending.stream().anyMatch(f -> onConnectionPath(f.kind));
    }

    private InjectedFault kill(Supervisor supervisor, FaultKind kind, List<Planned> plan, int number)
            throws InterruptedException {
        List<String> candidates = plan.stream().filter(p -> p.role().equals(kind.label)).map(Planned::id).toList();
        // only a process that serves right now: killing one still restarting would not be a new fault
        long waitUntil = System.nanoTime() + settings.maxWait().toNanos();
        List<String> ready = List.of();
        while (System.nanoTime() < waitUntil) {
            ready = candidates.stream().filter(id -> supervisor.current(id).filter(ManagedProcess::isAlive)
                    .map(p -> ReadyProbe.isReady(p.http())).orElse(false)).toList();
            if (!ready.isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        if (ready.isEmpty()) {
            long now = System.currentTimeMillis();
            line("fault " + number + ": no " + kind + " process is ready to be killed; skipped");
            InjectedFault skipped = new InjectedFault(number, kind, "-", now, 0);
            skipped.movedOn(now, "skipped: no ready target");
            return skipped;
        }
        String id = ready.get(random.nextInt(ready.size()));
        ManagedProcess before = supervisor.current(id).orElseThrow();
        ProcessHandle handle = before.handle().orElse(null);
        long start = System.currentTimeMillis();
        InjectedFault fault = new InjectedFault(number, kind, id, start, before.pid());
        if (handle == null || !handle.destroyForcibly()) {
            line("fault " + number + ": " + id + " vanished before SIGKILL; skipped");
            fault.movedOn(start, "skipped: target vanished");
            return fault;
        }
        line("fault " + number + ": SIGKILL " + id + " (pid " + before.pid() + ")");
        pending.add(fault);
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        while (System.nanoTime() < deadline && !fault.recovered()) {
            Thread.sleep(100);
        }
        if (fault.recovered()) {
            line("fault " + number + ": " + id + " back (ready " + (fault.recoveredMillis() - start)
                    + " ms after the kill)");
        } else {
            fault.movedOn(System.currentTimeMillis(), "not ready within --max-wait when the drill moved on");
            line("fault " + number + ": " + id + " not ready within " + settings.maxWait().toSeconds()
                    + " s; moving on (its recovery is still recorded)");
        }
        return fault;
    }

    /** Records when each killed process is ready again, also after the drill has moved on to the next fault. */
    private void watchRecoveries(Supervisor supervisor) {
        for (InjectedFault f : List.copyOf(pending)) {
            Optional<ManagedProcess> now = supervisor.current(f.target);
            if (now.isPresent() && now.get().pid() != f.killedPid && now.get().isAlive()
                    && ReadyProbe.isReady(now.get().http())) {
                f.recover(now.get().pid(), System.currentTimeMillis());
                pending.remove(f);
                if (f.movedOnMillisSet()) {
                    line("fault " + f.number + ": " + f.target + " back (ready "
                            + (f.recoveredMillis() - f.startMillis) + " ms after the kill)");
                }
            }
        }
    }

    private InjectedFault cutLink(LinkCutter cutter, int number) throws InterruptedException {
        long refusedBefore = cutter.refused();
        long start = System.currentTimeMillis();
        InjectedFault fault = new InjectedFault(number, FaultKind.LINK, "broker-1<->broker-2", start, 0);
        cutter.cut();
        line("fault " + number + ": cluster link broker-1 <-> broker-2 cut for " + settings.cut().toMillis() + " ms");
        Thread.sleep(settings.cut().toMillis());
        cutter.heal();
        long healed = System.currentTimeMillis();
        line("fault " + number + ": link healed");
        fault.recover(0, healed);
        fault.movedOn(healed, "redials refused while cut: " + (cutter.refused() - refusedBefore));
        return fault;
    }

    /** Polls the database until every acknowledged reading is there, or --drain passes (spools replay late). */
    private StoredReadings waitForStore(String mongodb, Map<String, BitSet> acknowledged) throws InterruptedException {
        long deadline = System.nanoTime() + settings.drain().toNanos();
        StoredReadings stored = null;
        int failedAfterDeadline = 0;
        while (true) {
            try {
                stored = StoredReadings.read(mongodb, DATABASE, MAC_PREFIX);
                long missing = missing(acknowledged, stored);
                if (missing == 0 || System.nanoTime() > deadline) {
                    if (missing > 0) {
                        line(missing + " acknowledged reading(s) still not in the database after "
                                + settings.drain().toSeconds() + " s");
                    }
                    return stored;
                }
                line(missing + " acknowledged reading(s) not in the database yet; waiting for the writers and spools");
            } catch (RuntimeException e) {
                // the embedded store (H2 MVStore) can fail a long scan that races a commit ("Chunk N not
                // found"); the data is intact, a later scan works
                if (System.nanoTime() > deadline && ++failedAfterDeadline >= 10) {
                    line("cannot read the database " + mongodb + ": " + e.getMessage());
                    return null;
                }
                line("cannot read the database yet: " + e.getMessage().lines().findFirst().orElse(""));
            }
            Thread.sleep(5_000);
        }
    }

    private static boolean allReady(Supervisor supervisor, List<Planned> plan) {
        return plan.stream().allMatch(p -> supervisor.current(p.id()).filter(ManagedProcess::isAlive)
                .map(m -> ReadyProbe.isReady(m.http())).orElse(false));
    }

    /**
     * Waits until no replica holds telemetry in its write queue or spool. Spools replay at the store's pace, so
     * the wait goes on as long as the backlog shrinks; it ends when it is empty or has not shrunk for --drain.
     */
    private void waitForBacklog(Supervisor supervisor, List<Planned> plan) throws InterruptedException {
        List<String> brokers = plan.stream().filter(p -> p.role().equals("broker")).map(p -> p.http().toString())
                .toList();
        long lowest = Long.MAX_VALUE;
        long lastProgress = System.nanoTime();
        long lastLine = 0;
        while (System.nanoTime() - lastProgress < settings.drain().toNanos()) {
            long backlog = PersistenceBacklog.of(brokers);
            if (backlog == 0) {
                line("no telemetry left in the replicas' write queues and spools");
                return;
            }
            if (backlog > 0 && backlog < lowest) {
                lowest = backlog;
                lastProgress = System.nanoTime();
            }
            if (System.nanoTime() - lastLine > TimeUnit.SECONDS.toNanos(10)) {
                line(backlog < 0 ? "cannot read every replica's persistence backlog yet"
                        : backlog + " reading(s) still in the replicas' write queues and spools");
                lastLine = System.nanoTime();
            }
            Thread.sleep(1_000);
        }
        line("the replicas' backlog (" + lowest + ") did not shrink for " + settings.drain().toSeconds()
                + " s; reading the database anyway (what is missing is reported as lost)");
    }

    private static long missing(Map<String, BitSet> acknowledged, StoredReadings stored) {
        long missing = 0;
        for (Map.Entry<String, BitSet> e : acknowledged.entrySet()) {
            BitSet a = (BitSet) e.getValue().clone();
            BitSet s = stored.stored().get(e.getKey());
            if (s != null) {
                a.andNot(s);
            }
            missing += a.cardinality();
        }
        return missing;
    }

    private void progressLine(DeviceFleet fleet, ClientStats devices, List<DrillSubscriber> subscribers) {
        try {
            line(String.format(Locale.ROOT, "devices %d/%d connected | acknowledged %d | in flight %d"
                            + " | subscribers %d/%d | faults %d", devices.connected.get(), settings.devices(),
                    ledger.total(), fleet.inFlight(), subscribers.stream().filter(DrillSubscriber::subscribed).count(),
                    subscribers.size(), faults.size()));
        } catch (RuntimeException e) {
            line("progress failed: " + e);
        }
    }

    private void writeReport(Verdict verdict) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = settings.report();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Map<String, Object> root = new java.util.LinkedHashMap<>();
        root.put("finishedAt", Instant.now().toString());
        root.put("command", settings.commandLine());
        root.put("verdict", verdict);
        json.writeValue(file.toFile(), root);
    }

    private static void waitUntil(Duration max, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }
}
