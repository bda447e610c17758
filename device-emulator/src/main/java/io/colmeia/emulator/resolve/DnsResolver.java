package io.colmeia.emulator.resolve;

import io.colmeia.common.config.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves the cluster name through colmeia's DNS server (not the system resolver) and, like the ESP8266's
 * lwIP stack, takes the FIRST A record of the answer. The DNS server rotates its records per query, so
 * devices spread over the healthy ingress nodes. Asynchronous: thousands of devices never block a thread.
 */
public final class DnsResolver implements BrokerResolver {

    private final SimpleResolver resolver;
    private final Name name;
    private final int mqttPort;
    private final String description;
    private final AtomicLong queries = new AtomicLong();

    public DnsResolver(HostPort dnsServer, String name, int mqttPort, Duration timeout) {
        try {
            this.name = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("'" + name + "' is not a DNS name: " + e.getMessage(), e);
        }
        if (mqttPort < 1 || mqttPort > 65535) {
            throw new IllegalArgumentException("MQTT port " + mqttPort + " outside 1..65535");
        }
        InetAddress server;
        try {
            server = InetAddress.getByName(dnsServer.host());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("DNS server host '" + dnsServer.host() + "' is unknown", e);
        }
        this.resolver = new SimpleResolver(new InetSocketAddress(server, dnsServer.port()));
        this.resolver.setTimeout(timeout);
        this.mqttPort = mqttPort;
        this.description = name + " via DNS " + dnsServer + " (port " + mqttPort + ")";
    }

    @Override
    public CompletionStage<InetSocketAddress> resolve() {
        queries.incrementAndGet();
        Message query = Message.newQuery(Record.newRecord(name, Type.A, DClass.IN));
        return resolver.sendAsync(query).thenApply(this::firstAddress);
    }

    /** How many queries were sent (each connect attempt asks again). */
    public long queries() {
        return queries.get();
    }

    InetSocketAddress firstAddress(Message response) {
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR) {
            throw new CompletionException(new UnknownHostException(
                    name + ": DNS answered " + Rcode.string(rcode)));
        }
        List<Record> answers = response.getSection(Section.ANSWER);
        for (Record r : answers) {
            if (r instanceof ARecord a) {
                return new InetSocketAddress(a.getAddress(), mqttPort);
            }
        }
        throw new CompletionException(new UnknownHostException(name + ": no A record in the answer"));
    }

    @Override
    public String describe() {
        return description;
    }
}
