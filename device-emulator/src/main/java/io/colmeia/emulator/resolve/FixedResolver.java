package io.colmeia.emulator.resolve;

import io.colmeia.common.config.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A fixed {@code --broker HOST:PORT}; the host is looked up once, at start, so a typo fails early. */
public final class FixedResolver implements BrokerResolver {

    private final InetSocketAddress address;
    private final String description;

    public FixedResolver(HostPort broker) throws UnknownHostException {
        this.address = new InetSocketAddress(InetAddress.getByName(broker.host()), broker.port());
        this.description = broker.toString();
    }

    @Override
    public CompletionStage<InetSocketAddress> resolve() {
        return CompletableFuture.completedFuture(address);
    }

    @Override
    public String describe() {
        return description;
    }
}
