package io.colmeia.ingress.support;

import io.colmeia.common.config.HostPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/** A plain TCP client for sending what no MQTT library would send. */
public final class RawClient implements AutoCloseable {

    private final Socket socket;

    public RawClient(HostPort target) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(target.toSocketAddress(), 5000);
        socket.setSoTimeout(20_000);
    }

    public RawClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Reads until the server closes the connection and returns what it sent; a reset counts as closed.
     * Fails if the server neither closes nor sends {@code limit} bytes within the socket timeout (20 s).
     */
    public byte[] readUntilClosed(int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (out.size() < limit) {
                int n = in.read(buf);
                if (n < 0) {
                    return out.toByteArray();
                }
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the ingress kept the connection open for 20 s", e);
        } catch (SocketException reset) {
            return out.toByteArray();
        }
        return out.toByteArray();
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
