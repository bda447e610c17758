package io.colmeia.emulator.resolve;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/** Where to connect next. Asked again before every (re)connect, the way device firmware re-resolves. */
public interface BrokerResolver extends AutoCloseable {

    CompletionStage<InetSocketAddress> resolve();

    /** What this resolver asks, for logs and the progress line. */
    String describe();

    @Override
    default void close() {
    }
}
