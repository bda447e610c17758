package io.colmeia.launcher.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.colmeia.common.config.HostPort;
import io.colmeia.common.testing.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The link-cutting proxy relays both ways, partitions on cut() and relays again after heal(). */
class LinkCutterTest {

    @Test
    void relaysUntilCutRefusesWhileCutAndRelaysAgainAfterHeal() throws Exception {
        try (ServerSocket echo = new ServerSocket()) {
            echo.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread server = new Thread(() -> {
                while (!echo.isClosed()) {
                    try {
                        Socket s = echo.accept();
                        Thread t = new Thread(() -> {
                            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                                in.transferTo(out);
                            } catch (IOException ignored) {
                                // the test closed it
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            HostPort listen = FreePorts.on("127.0.0.1");
            try (LinkCutter cutter = new LinkCutter(listen, new HostPort("127.0.0.1", echo.getLocalPort()))) {
                Socket link = connect(listen);
                assertThat(roundTrip(link, "hello")).isEqualTo("hello");

                cutter.cut();
                assertThat(link.getInputStream().read()).as("the relayed link is closed").isEqualTo(-1);
                Socket redial = connect(listen);
                assertThat(redial.getInputStream().read()).as("a redial is refused while cut").isEqualTo(-1);
                await().atMost(Duration.ofSeconds(5)).until(() -> cutter.refused() == 1);

                cutter.heal();
                Socket again = connect(listen);
                assertThat(roundTrip(again, "back")).isEqualTo("back");
                assertThat(cutter.relayed()).isEqualTo(2);
                link.close();
                redial.close();
                again.close();
            }
        }
    }

    private static Socket connect(HostPort address) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(address.host(), address.port()), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes());
        byte[] buffer = s.getInputStream().readNBytes(text.length());
        return new String(buffer);
    }
}
