package io.colmeia.broker.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users the broker knows, from the users file, re-read when the file changes (its modification time, size or
 * file key is polled), so users are added, removed and re-keyed without a restart. A file that cannot be read or
 * is invalid keeps the last good users in force; the error is logged and counted.
 */
public final class CredentialStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialStore.class);

    /** The users in force; {@code generation} changes with every successful load. */
    public record Users(Map<String, UserEntry> byName, long generation) {
        public UserEntry get(String username) {
            return byName.get(username);
        }
    }

    private final Path file;
    private final AtomicLong generations = new AtomicLong();
    private final Counter reloaded;
    private final Counter failed;
    private final ScheduledExecutorService poller;
    private volatile Users users = new Users(Map.of(), 0);
    private volatile Object lastSeen = "never";
    private volatile java.util.function.Consumer<Users> onChange = users -> { };

    /**
     * Loads the file once (a missing file counts as no users, with a warning: it may be provisioned later) and
     * polls it every {@code interval}.
     */
    public CredentialStore(Path file, Duration interval, MeterRegistry registry) {
        this.file = Objects.requireNonNull(file, "file");
        this.reloaded = Counter.builder("colmeia_broker_users_reloads_total")
                .description("Reads of the users file, by outcome").tag("outcome", "loaded").register(registry);
        this.failed = Counter.builder("colmeia_broker_users_reloads_total")
                .description("Reads of the users file, by outcome").tag("outcome", "failed").register(registry);
        Gauge.builder("colmeia_broker_users", this, s -> s.users.byName().size())
                .description("Users in force from the users file").register(registry);
        checkForChange();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "users-file-watch");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(50, interval.toMillis());
        poller.scheduleWithFixedDelay(this::checkForChange, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Called (on the watcher thread) after every successful reload. */
    void onChange(java.util.function.Consumer<Users> listener) {
        this.onChange = listener;
    }

    public Users users() {
        return users;
    }

    public Path file() {
        return file;
    }

    /** Re-reads the file if it changed since the last look (also used by tests to avoid waiting). */
    synchronized void checkForChange() {
        Object stamp;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            stamp = a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey();
        } catch (NoSuchFileException e) {
            stamp = "missing";
        } catch (IOException e) {
            stamp = "unreadable: " + e;
        }
        if (stamp.equals(lastSeen)) {
            return;
        }
        lastSeen = stamp;
        load();
    }

    private void load() {
        try {
            Map<String, UserEntry> read = UsersFile.read(file);
            users = new Users(Map.copyOf(read), generations.incrementAndGet());
            reloaded.increment();
            LOG.info("users file {} loaded: {} user(s)", file, read.size());
            try {
                onChange.accept(users);
            } catch (RuntimeException e) {
                LOG.warn("after loading the users file: {}", e.toString());
            }
        } catch (NoSuchFileException e) {
            failed.increment();
            LOG.warn("users file {} does not exist: {} user(s) stay in force; create it with `colmeia users add`",
                    file, users.byName().size());
        } catch (IOException | UsersFile.InvalidUsersFileException e) {
            failed.increment();
            LOG.error("users file {} not loaded, the previous {} user(s) stay in force: {}", file,
                    users.byName().size(), e.getMessage());
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
