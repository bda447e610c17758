package io.colmeia.dns.health;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.probe.MqttProbe;
import io.colmeia.dns.zone.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Checks one ingress node; blocking, bounded by the timeout, never throws. */
@FunctionalInterface
public interface Prober {

    Result probe(Endpoint node, Duration timeout);

    record Result(boolean healthy, String detail) {
    }

    /** The probe kinds of {@code --probe}. */
    enum Kind {
        /** A real MQTT CONNECT answered by CONNACK "accepted": the node relays to a working broker. */
        MQTT,
        /** A TCP connect: the port is open. */
        TCP;

        public Prober create(String clientId) {
            return this == MQTT ? mqtt(clientId) : tcp();
        }
    }

    static Prober mqtt(String clientId) {
        return (node, timeout) -> {
            MqttProbe.Result r = MqttProbe.probe(new HostPort(node.address().getHostAddress(), node.port()),
                    clientId, timeout);
            return new Result(r.healthy(), r.detail());
        };
    }

    static Prober tcp() {
        return (node, timeout) -> {
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(node.address(), node.port()), ms);
                return new Result(true, "TCP connect accepted");
            } catch (IOException | RuntimeException e) {
                return new Result(false, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        };
    }
}
