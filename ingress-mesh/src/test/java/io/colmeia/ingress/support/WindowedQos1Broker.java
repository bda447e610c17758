package io.colmeia.ingress.support;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A replica stand-in that delivers QoS 1 the way HiveMQ CE does (see the notes on HiveMQ under load): it sends a
 * window of QoS 1 PUBLISHes to a subscriber and sends the next window only when every PUBACK of the previous one
 * has arrived. That is the pattern in which a subscriber with Nagle on stalls on delayed ACKs. Plain MQTT 3.1.1
 * over real sockets: CONNECT → CONNACK accepted (so the ingress's health probe passes), SUBSCRIBE → SUBACK, then
 * windows of PUBLISH on the subscribed topic until the subscriber leaves. One thread per connection; every
 * socket is closed by {@link #close()}.
 */
public final class WindowedQos1Broker implements AutoCloseable {

    private final ServerSocket server;
    private final int window;
    private final byte[] payload;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    public WindowedQos1Broker(String loopbackHost, int window, int payloadSize) {
        this.window = window;
        this.payload = new byte[payloadSize];
        try {
            HostPort address = FreePorts.on(loopbackHost);
            server = new ServerSocket();
            server.bind(new InetSocketAddress(address.host(), address.port()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::acceptLoop, "windowed-broker-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public HostPort address() {
        return new HostPort(server.getInetAddress().getHostAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "windowed-broker-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true); // as HiveMQ does: the broker side never waits on Nagle
            socket.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            OutputStream out = socket.getOutputStream();
            int[] header = Mqtt.readHeader(in);
            in.skipNBytes(header[1]);
            if (header[0] != 0x10) {
                return;
            }
            out.write(new byte[] {0x20, 0x02, 0x00, 0x00});
            header = Mqtt.readHeader(in);
            if ((header[0] & 0xF0) != 0x80) {
                return; // the health probe: DISCONNECT, or the connection closes
            }
            byte[] subscribe = in.readNBytes(header[1]);
            int topicLength = ((subscribe[2] & 0xFF) << 8) | (subscribe[3] & 0xFF);
            String topic = new String(subscribe, 4, topicLength, java.nio.charset.StandardCharsets.UTF_8);
            out.write(new byte[] {(byte) 0x90, 0x03, subscribe[0], subscribe[1], 0x01});
            byte[] batch = windowOfPublishes(topic);
            while (!closed) {
                out.write(batch); // the whole window at once, like a broker flushing its queue
                for (int acked = 0; acked < window; acked++) {
                    header = Mqtt.readHeader(in);
                    in.skipNBytes(header[1]);
                    if ((header[0] & 0xF0) != 0x40) {
                        return; // not a PUBACK: DISCONNECT or anything else ends the session
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the subscriber left (EOF, reset) or the broker is closing
        } finally {
            sockets.remove(socket);
        }
    }

    private byte[] windowOfPublishes(String topic) {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int id = 1; id <= window; id++) {
            int length = 2 + t.length + 2 + payload.length;
            all.write(0x32); // PUBLISH, QoS 1
            Mqtt.writeRemainingLength(all, length);
            all.write(t.length >>> 8);
            all.write(t.length & 0xFF);
            all.writeBytes(t);
            all.write(id >>> 8);
            all.write(id & 0xFF);
            all.writeBytes(payload);
        }
        return all.toByteArray();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fixed-header helpers shared with the test's subscriber. */
    public static final class Mqtt {

        private Mqtt() {
        }

        /** {type byte, remaining length}; throws on EOF. */
        public static int[] readHeader(DataInputStream in) throws IOException {
            int type = in.readUnsignedByte();
            int length = 0;
            int multiplier = 1;
            for (int i = 0; i < 4; i++) {
                int b = in.readUnsignedByte();
                length += (b & 0x7F) * multiplier;
                if ((b & 0x80) == 0) {
                    return new int[] {type, length};
                }
                multiplier *= 128;
            }
            throw new SocketException("malformed remaining length");
        }

        public static void writeRemainingLength(ByteArrayOutputStream out, int length) {
            do {
                int digit = length % 128;
                length /= 128;
                out.write(length > 0 ? digit | 0x80 : digit);
            } while (length > 0);
        }
    }
}
