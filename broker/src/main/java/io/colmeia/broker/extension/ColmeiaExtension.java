package io.colmeia.broker.extension;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.services.auth.provider.AuthorizerProvider;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.intializer.ClientInitializer;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import com.hivemq.extension.sdk.api.services.publish.RetainedMessageStore;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import com.hivemq.extension.sdk.api.services.subscription.SubscriptionStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The colmeia extension's entry point: it only wires services. HiveMQ's {@code Services} are JVM-wide statics,
 * so every reference is captured here, once, and handed out through {@link #services()}.
 */
public final class ColmeiaExtension implements ExtensionMain {

    private static final Logger LOG = LoggerFactory.getLogger(ColmeiaExtension.class);

    private final SimpleAuthenticator authenticator;
    private final AuthorizerProvider authorizers;
    private final List<ClientInitializer> clientInitializers;
    private final CompletableFuture<ExtensionServices> started = new CompletableFuture<>();

    /**
     * @param clientInitializers each adds its interceptors to every client (e.g. the cluster router); HiveMQ
     *                           allows one initializer per extension, so they run in this order from one
     */
    public ColmeiaExtension(ConnectionGate gate, List<ClientInitializer> clientInitializers) {
        this(gate, null, clientInitializers);
    }

    /**
     * @param authenticator decides every CONNECT (HiveMQ allows one per extension)
     * @param authorizers   topic authorization per client, or null for none
     */
    public ColmeiaExtension(SimpleAuthenticator authenticator, AuthorizerProvider authorizers,
                            List<ClientInitializer> clientInitializers) {
        this.authenticator = authenticator;
        this.authorizers = authorizers;
        this.clientInitializers = List.copyOf(clientInitializers);
    }

    /** HiveMQ services captured at start. */
    public record ExtensionServices(ClientService clients, PublishService publishes,
                                    RetainedMessageStore retained, SubscriptionStore subscriptions) {
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
        if (authorizers != null) {
            Services.securityRegistry().setAuthorizerProvider(authorizers);
        }
        if (!clientInitializers.isEmpty()) {
            Services.initializerRegistry().setClientInitializer((initializerInput, context) ->
                    clientInitializers.forEach(i -> i.initialize(initializerInput, context)));
        }
        started.complete(new ExtensionServices(Services.clientService(), Services.publishService(),
                Services.retainedMessageStore(), Services.subscriptionStore()));
        LOG.info("colmeia extension started");
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        LOG.info("colmeia extension stopped");
    }

    /** Completes once HiveMQ has started the extension. */
    public CompletableFuture<ExtensionServices> services() {
        return started;
    }
}
