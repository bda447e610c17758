package io.colmeia.launcher.drill;

import io.colmeia.common.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-injecting TCP proxy in front of one replica's cluster port: the drill points another replica's
 * {@code --peers} at it, so the cluster link between the two runs through here. {@link #cut()} closes every
 * relayed connection and refuses new ones (a network partition between the two replicas); {@link #heal()}
 * relays again. A cluster link is one connection, so a thread per direction is plenty.
 */
final class LinkCutter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LinkCutter.class);

    private final HostPort listen;
    private final HostPort target;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong relayed = new AtomicLong();
    private volatile boolean cut;
    private volatile boolean closed;

    LinkCutter(HostPort listen, HostPort target) throws IOException {
        this.listen = listen;
        this.target = target;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(listen.host(), listen.port()));
        Thread acceptor = new Thread(this::acceptLoop, "drill-link-" + listen);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    HostPort listen() {
        return listen;
    }

    /** Connections refused while cut, and connections relayed, so far. */
    long refused() {
        return refused.get();
    }

    long relayed() {
        return relayed.get();
    }

    /** Partition: drop every relayed connection now and refuse new ones until {@link #heal()}. */
    void cut() {
        cut = true;
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
        LOG.info("link {} -> {} cut", listen, target);
    }

    void heal() {
        cut = false;
        LOG.info("link {} -> {} healed", listen, target);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket inbound;
            try {
                inbound = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("link proxy {}: accept failed: {}", listen, e.toString());
                }
                return;
            }
            if (cut) {
                refused.incrementAndGet();
                closeQuietly(inbound);
                continue;
            }
            Socket outbound = new Socket();
            try {
                outbound.connect(new InetSocketAddress(target.host(), target.port()), 2000);
                inbound.setTcpNoDelay(true);
                outbound.setTcpNoDelay(true);
            } catch (IOException e) {
                // the replica behind is down (killed by the drill): the dialer sees a closed link and retries
                closeQuietly(inbound);
                closeQuietly(outbound);
                continue;
            }
            relayed.incrementAndGet();
            open.add(inbound);
            open.add(outbound);
            pump(inbound, outbound, "in");
            pump(outbound, inbound, "out");
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException endOfConnection) {
                // closed by either side or by cut(): the other direction is closed below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "drill-link-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a broken socket: nothing more to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // shutting down
        }
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }
}
