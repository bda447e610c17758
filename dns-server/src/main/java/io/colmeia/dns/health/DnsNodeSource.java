package io.colmeia.dns.health;

import io.colmeia.dns.zone.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Learns the ingress nodes by resolving a name (e.g. Docker Swarm's {@code tasks.ingress}, one A record per
 * running task) with A and AAAA queries sent to a given DNS server (over UDP, TCP when truncated). An empty
 * answer (NXDOMAIN or NODATA for both) means "no nodes now"; a timeout or SERVFAIL is an error, and the
 * caller keeps the previous list.
 */
public final class DnsNodeSource implements NodeSource {

    private final Name name;
    private final int port;
    private final InetSocketAddress server;
    private final Duration timeout;

    public DnsNodeSource(Name name, int port, InetSocketAddress server, Duration timeout) {
        this.name = name;
        this.port = port;
        this.server = server;
        this.timeout = timeout;
    }

    @Override
    public List<Endpoint> nodes() throws IOException {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTimeout(timeout);
        List<Endpoint> nodes = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Message answer = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
            int rcode = answer.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                throw new IOException(name + " " + Type.string(type) + " answered " + Rcode.string(rcode));
            }
            for (Record r : answer.getSection(Section.ANSWER)) {
                if (r instanceof ARecord a) {
                    nodes.add(new Endpoint(a.getAddress(), port));
                } else if (r instanceof AAAARecord aaaa) {
                    nodes.add(new Endpoint(aaaa.getAddress(), port));
                }
            }
        }
        return List.copyOf(new java.util.TreeSet<>(nodes));
    }

    @Override
    public boolean dynamic() {
        return true;
    }

    @Override
    public String describe() {
        return name + " (port " + port + ", via " + server.getAddress().getHostAddress() + ":" + server.getPort() + ")";
    }
}
