package io.colmeia.broker.security;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extension.sdk.api.client.parameter.Listener;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import io.colmeia.broker.extension.ConnectionGate;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides every CONNECT: refused while the replica drains; with a username, the password must match the users
 * file (CONNACK "bad username or password": 3.1.1 code 4, MQTT 5 0x86); without one, admitted only on a listener
 * whose policy allows anonymous clients (else "not authorized": 5 / 0x87). The slow hash runs on a small bounded
 * pool, never on HiveMQ's threads; a client that reconnects with the password it used before skips it.
 */
final class ClientAuthenticator implements SimpleAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ClientAuthenticator.class);
    /** Connection attribute holding the authenticated username; absent for anonymous clients. */
    static final String USER_ATTRIBUTE = "io.colmeia.user";
    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(30);

    private final ConnectionGate gate;
    private final CredentialStore store;
    private final ListenerPolicy policy;
    private final SecurityMetrics metrics;
    private final ExecutorService verifiers;
    private final RateLimitedLog log = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private final byte[] rememberKey = new byte[32];
    private final Map<String, byte[]> remembered = new ConcurrentHashMap<>();
    /** Hashed for unknown users too, so the answer time does not tell which usernames exist. */
    private final PasswordHash decoy;

    private final ConnectedUsers connected;

    ClientAuthenticator(ConnectionGate gate, CredentialStore store, ListenerPolicy policy, SecurityMetrics metrics,
                        ExecutorService verifiers, ConnectedUsers connected) {
        this.connected = connected;
        this.gate = gate;
        this.store = store;
        this.policy = policy;
        this.metrics = metrics;
        this.verifiers = verifiers;
        new SecureRandom().nextBytes(rememberKey);
        this.decoy = store == null ? null
                : PasswordHash.create("decoy".toCharArray(), PasswordHash.DEFAULT_ITERATIONS);
    }

    @Override
    public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        if (gate.isDraining()) {
            gate.onConnect(input, output);
            return;
        }
        ConnectPacket connect = input.getConnectPacket();
        String clientId = connect.getClientId();
        ConnectionInformation connection = input.getConnectionInformation();
        Optional<String> username = connect.getUserName();
        if (username.isEmpty()) {
            String listener = connection.getListener().map(Listener::getBindAddress).orElse("");
            if (policy.anonymousAllowed(listener)) {
                metrics.accepted(true);
                output.authenticateSuccessfully();
            } else {
                refuse(output, SecurityMetrics.AuthFailure.anonymous, ConnackReasonCode.NOT_AUTHORIZED,
                        "credentials required", clientId, null);
            }
            return;
        }
        if (store == null) {
            String listener = connection.getListener().map(Listener::getBindAddress).orElse("");
            if (policy.anonymousAllowed(listener)) {
                // no users are configured: a username proves nothing, the client is as anonymous as any other
                metrics.accepted(true);
                output.authenticateSuccessfully();
            } else {
                refuse(output, SecurityMetrics.AuthFailure.no_users, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                        "bad username or password", clientId, username.get());
            }
            return;
        }
        String name = username.get();
        UserEntry user = store.users().get(name);
        Optional<ByteBuffer> password = connect.getPassword();
        if (password.isEmpty()) {
            refuse(output, user == null ? SecurityMetrics.AuthFailure.unknown_user
                            : SecurityMetrics.AuthFailure.no_password, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    "bad username or password", clientId, name);
            return;
        }
        byte[] secret = bytes(password.get());
        if (user != null && rememberedMatch(user, secret)) {
            admit(output, connection, clientId, user);
            Arrays.fill(secret, (byte) 0);
            return;
        }
        Async<SimpleAuthOutput> async = output.async(VERIFY_TIMEOUT, TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_BUSY, "authentication timed out");
        try {
            verifiers.execute(() -> {
                try {
                    verify(output, connection, clientId, name, user, secret);
                } finally {
                    Arrays.fill(secret, (byte) 0);
                    async.resume();
                }
            });
        } catch (RejectedExecutionException e) {
            Arrays.fill(secret, (byte) 0);
            refuse(output, SecurityMetrics.AuthFailure.busy, ConnackReasonCode.SERVER_BUSY,
                    "too many connections authenticating", clientId, name);
            async.resume();
        }
    }

    private void verify(SimpleAuthOutput output, ConnectionInformation connection, String clientId, String name,
                        UserEntry user, byte[] secret) {
        if (user == null) {
            decoy.matches(secret);
            refuse(output, SecurityMetrics.AuthFailure.unknown_user, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    "bad username or password", clientId, name);
            return;
        }
        if (!user.password().matches(secret)) {
            refuse(output, SecurityMetrics.AuthFailure.bad_password, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    "bad username or password", clientId, name);
            return;
        }
        remembered.put(name, PasswordHash.rememberDigest(rememberKey, name, secret, user.password().encode()));
        admit(output, connection, clientId, user);
    }

    private boolean rememberedMatch(UserEntry user, byte[] secret) {
        byte[] known = remembered.get(user.username());
        return known != null && MessageDigest.isEqual(known,
                PasswordHash.rememberDigest(rememberKey, user.username(), secret, user.password().encode()));
    }

    private void admit(SimpleAuthOutput output, ConnectionInformation connection, String clientId, UserEntry user) {
        connection.getConnectionAttributeStore().putAsString(USER_ATTRIBUTE, user.username());
        connected.admitted(clientId, user);
        metrics.accepted(false);
        output.authenticateSuccessfully();
    }

    private void refuse(SimpleAuthOutput output, SecurityMetrics.AuthFailure reason, ConnackReasonCode code,
                        String reasonString, String clientId, String username) {
        metrics.failed(reason);
        log.warn("refused CONNECT of client '{}'{}: {}", clientId,
                username == null ? " without credentials" : " as user '" + username + "'", reason.name());
        output.failAuthentication(code, reasonString);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.asReadOnlyBuffer();
        b.rewind();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
