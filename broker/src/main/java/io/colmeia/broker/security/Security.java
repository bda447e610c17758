package io.colmeia.broker.security;

import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extension.sdk.api.services.auth.provider.AuthorizerProvider;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.colmeia.broker.extension.ConnectionGate;
import io.colmeia.common.config.HostPort;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's security, wired for the extension: authentication of every CONNECT, topic ACLs on PUBLISH (as the
 * first interceptor) and SUBSCRIBE (HiveMQ's authorizer), and the per-client publish rate. See docs/security.md.
 */
public final class Security implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Security.class);
    /** Password checks waiting beyond this are refused with "server busy" rather than queued without bound. */
    private static final int VERIFY_QUEUE = 1_000;

    private final SecurityConfig config;
    private final CredentialStore store;
    private final SecurityMetrics metrics;
    private final ListenerPolicy policy;
    private final ExecutorService verifiers;
    private final ClientAuthenticator authenticator;
    private final ConnectedUsers connected = new ConnectedUsers();

    public Security(SecurityConfig config, ConnectionGate gate, MeterRegistry registry) {
        this.config = config;
        this.metrics = new SecurityMetrics(registry);
        this.policy = new ListenerPolicy(config.allowAnonymous());
        this.store = config.usersFile() == null ? null
                : new CredentialStore(config.usersFile(), config.reloadInterval(), registry);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        AtomicInteger n = new AtomicInteger();
        this.verifiers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(VERIFY_QUEUE), r -> {
                    Thread t = new Thread(r, "password-check-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.authenticator = new ClientAuthenticator(gate, store, policy, metrics, verifiers, connected);
        if (store != null) {
            store.onChange(connected::reloaded);
        }
    }

    /** Once HiveMQ runs: lets a users-file reload disconnect the clients of removed or changed users. */
    public void start(ClientService clients) {
        connected.start(clients);
    }

    public SimpleAuthenticator authenticator() {
        return authenticator;
    }

    /**
     * Whether any client can be refused a topic or slowed by a rate. Without a users file nobody can log in, so
     * every admitted client is anonymous and may do everything: then neither the {@link PublishGuard} nor the
     * authorizer is installed, which saves HiveMQ two hand-offs to its extension executor per PUBLISH and a client
     * context per connection (measured in docs/performance.md).
     */
    public boolean restrictsClients() {
        return store != null || config.maxPublishRate() > 0;
    }

    /** Topic authorization per client, or null when there are no users (every client anonymous: all allowed). */
    public AuthorizerProvider authorizers() {
        if (store == null) {
            return null;
        }
        return input -> new ClientAuthorizer(access(input.getConnectionInformation(),
                input.getClientInformation().getClientId()), metrics);
    }

    /** Adds the {@link PublishGuard}; must be the first initializer, so it runs before the tap and forwarder. */
    public ClientInitializer clientInitializer() {
        return (input, context) -> context.addPublishInboundInterceptor(new PublishGuard(
                access(input.getConnectionInformation(), input.getClientInformation().getClientId()), metrics,
                config.maxPublishRate() > 0 ? new TokenBucket(config.maxPublishRate(), System::nanoTime) : null));
    }

    private ClientAccess access(ConnectionInformation connection, String clientId) {
        String username = connection.getConnectionAttributeStore()
                .getAsString(ClientAuthenticator.USER_ATTRIBUTE).orElse(null);
        return new ClientAccess(store, username, clientId);
    }

    /** Says at start, loudly where it matters, who may connect on each listener. */
    public void logPosture(List<HostPort> listeners) {
        for (HostPort listener : listeners) {
            boolean anonymous = policy.anonymousAllowed(listener.host());
            if (anonymous) {
                LOG.warn("*** ANONYMOUS ACCESS: MQTT listener {} admits clients WITHOUT credentials, with full access"
                        + " to every topic ({}) ***", listener, ListenerPolicy.isLoopback(listener.host())
                        ? "a loopback address: only this machine can reach it"
                        : "--allow-anonymous always");
            } else if (store == null) {
                LOG.warn("MQTT listener {} requires credentials but no --users-file is set: every client is refused",
                        listener);
            } else {
                LOG.info("MQTT listener {} requires a username and password from {}", listener, store.file());
            }
        }
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
        verifiers.shutdownNow();
    }
}
