package io.colmeia.ingress.connect;

import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.Objects;

/**
 * What the ingress needs from a client's CONNECT: the protocol version (to answer a refusal in the client's
 * own dialect), the client id (to route), the username (for logs) and the keepalive (for the idle limit).
 *
 * @param username null when the CONNECT carries none
 */
public record ConnectInfo(MqttVersion version, String clientId, String username, int keepAliveSeconds,
                          boolean cleanSession) {

    public ConnectInfo {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(clientId, "clientId");
    }

    /** An empty client id asks the broker to assign one (3.1.1 and 5); such a client has no session to keep. */
    public boolean hasClientId() {
        return !clientId.isEmpty();
    }
}
