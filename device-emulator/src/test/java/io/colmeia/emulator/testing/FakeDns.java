package io.colmeia.emulator.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A tiny authoritative DNS responder on loopback UDP (dnsjava messages): answers A queries for one name with
 * the current address list in order, NXDOMAIN for any other name. Addresses can change while it runs.
 */
public final class FakeDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final Thread thread;
    private final Name name;
    private final AtomicInteger queries = new AtomicInteger();
    private volatile List<String> addresses;

    public FakeDns(String name, List<String> addresses) throws IOException {
        this.name = Name.fromString(name.endsWith(".") ? name : name + ".");
        this.addresses = List.copyOf(addresses);
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::serve, "fake-dns");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int queries() {
        return queries.get();
    }

    public void answer(List<String> newAddresses) {
        addresses = List.copyOf(newAddresses);
    }

    private void serve() {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(packet);
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                queries.incrementAndGet();
                Message response = respond(query);
                byte[] out = response.toWire(512);
                socket.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                // a malformed query: ignore it, keep serving
            }
        }
    }

    private Message respond(Message query) throws IOException {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        Record question = query.getQuestion();
        response.addRecord(question, Section.QUESTION);
        if (!question.getName().equals(name)) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
            return response;
        }
        for (String a : addresses) {
            response.addRecord(new ARecord(name, DClass.IN, 5, InetAddress.getByName(a)), Section.ANSWER);
        }
        return response;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
