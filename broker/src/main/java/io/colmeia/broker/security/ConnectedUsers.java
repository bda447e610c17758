package io.colmeia.broker.security;

import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which user each connected client id logged in as, so that a reload of the users file can disconnect the
 * clients of users that were removed or changed (password, role, topics): they must log in again under the new
 * entry, and their old subscriptions end with their session. Entries of clients that left are pruned.
 */
final class ConnectedUsers {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectedUsers.class);

    private final Map<String, UserEntry> byClientId = new ConcurrentHashMap<>();
    private volatile ClientService clients;

    /** Entries of clients that left are pruned once the map grows past this (amortised: it doubles). */
    private final java.util.concurrent.atomic.AtomicInteger pruneAt = new java.util.concurrent.atomic.AtomicInteger(
            1_000);

    void admitted(String clientId, UserEntry user) {
        byClientId.put(clientId, user);
        int limit = pruneAt.get();
        ClientService service = clients;
        if (service != null && byClientId.size() > limit
                && pruneAt.compareAndSet(limit, Math.max(1_000, byClientId.size() * 2))) {
            prune(service); // clients with ever new ids would otherwise fill it between reloads
        }
    }

    /** HiveMQ's client service, once the extension runs. */
    void start(ClientService clientService) {
        this.clients = clientService;
    }

    int size() {
        return byClientId.size();
    }

    /** Disconnects every client whose user is gone or differs in {@code users} from what it logged in as. */
    void reloaded(CredentialStore.Users users) {
        ClientService service = clients;
        if (service == null) {
            return;
        }
        for (Map.Entry<String, UserEntry> e : byClientId.entrySet()) {
            UserEntry now = users.get(e.getValue().username());
            if (now != null && same(now, e.getValue())) {
                continue;
            }
            String clientId = e.getKey();
            String why = now == null ? "user removed" : "user changed: log in again";
            byClientId.remove(clientId, e.getValue());
            service.disconnectClient(clientId, false, DisconnectReasonCode.NOT_AUTHORIZED, why)
                    .thenAccept(done -> {
                        if (done) {
                            LOG.info("disconnected client '{}' of user '{}': {}", clientId,
                                    e.getValue().username(), why);
                        }
                    });
        }
        prune(service);
    }

    /** Forgets clients that are no longer connected. */
    void prune(ClientService service) {
        for (String clientId : byClientId.keySet()) {
            UserEntry at = byClientId.get(clientId);
            service.isClientConnected(clientId).thenAccept(connected -> {
                if (!connected && at != null) {
                    byClientId.remove(clientId, at);
                }
            });
        }
    }

    private static boolean same(UserEntry a, UserEntry b) {
        return a.role() == b.role() && a.password().encode().equals(b.password().encode())
                && Objects.equals(a.publish(), b.publish()) && Objects.equals(a.subscribe(), b.subscribe());
    }
}
