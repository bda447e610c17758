package io.colmeia.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny MQTT-answering listener standing in for an ingress node: CONNECT in, CONNACK accepted out. */
final class FakeIngress implements AutoCloseable {

    private final InetAddress address;
    private volatile int port;
    private volatile ServerSocket server;
    private Thread thread;
    final AtomicInteger connects = new AtomicInteger();

    FakeIngress(String address) throws IOException {
        this(address, 0);
    }

    /** Port 0: any free port (kept across stop/start). */
    FakeIngress(String address, int port) throws IOException {
        this.address = InetAddress.getByName(address);
        this.port = port;
    }

    synchronized FakeIngress start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port), 50);
        port = s.getLocalPort();
        server = s;
        thread = new Thread(() -> serve(s), "fake-ingress-" + address.getHostAddress());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void serve(ServerSocket s) {
        while (!s.isClosed()) {
            try (Socket client = s.accept()) {
                client.setSoTimeout(2000);
                InputStream in = client.getInputStream();
                int type = in.read();
                if (type != 0x10) {
                    continue;
                }
                int remaining = in.read();
                in.readNBytes(remaining);
                connects.incrementAndGet();
                OutputStream out = client.getOutputStream();
                out.write(new byte[] {0x20, 0x02, 0x00, 0x00});
                out.flush();
                in.read(); // DISCONNECT or close
            } catch (IOException e) {
                // a probe that went away, or the listener closed: keep serving / stop
            }
        }
    }

    String address() {
        return address.getHostAddress();
    }

    int port() {
        return port;
    }

    /** Stops listening: connects are refused, as when an ingress node dies. */
    synchronized void stop() throws InterruptedException {
        ServerSocket s = server;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            thread.join(5000);
            server = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
