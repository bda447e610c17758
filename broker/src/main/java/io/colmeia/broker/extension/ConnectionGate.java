package io.colmeia.broker.extension;

import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admits new MQTT connections while the replica serves, and refuses them once it drains for shutdown
 * (CONNACK "server unavailable"), so clients go to another replica instead of landing on a dying one.
 */
public final class ConnectionGate implements SimpleAuthenticator {

    private final AtomicBoolean draining = new AtomicBoolean();
    private final Counter refused;

    public ConnectionGate(MeterRegistry registry) {
        this.refused = Counter.builder("colmeia_broker_connections_refused_total")
                .description("CONNECTs refused by the broker, by reason")
                .tag("reason", "draining")
                .register(registry);
    }

    public void drain() {
        draining.set(true);
    }

    public boolean isDraining() {
        return draining.get();
    }

    @Override
    public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        if (draining.get()) {
            refused.increment();
            output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "server shutting down");
            return;
        }
        output.authenticateSuccessfully();
    }
}
