package io.colmeia.ingress.limit;

import static io.colmeia.ingress.limit.ConnectionLimits.Admission.ADMITTED;
import static io.colmeia.ingress.limit.ConnectionLimits.Admission.MAX_CONNECTIONS;
import static io.colmeia.ingress.limit.ConnectionLimits.Admission.MAX_CONNECTIONS_PER_IP;
import static io.colmeia.ingress.limit.ConnectionLimits.Admission.RATE_LIMITED;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void refuses_beyond_the_total_maximum_and_admits_again_after_a_release() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(2, 0, 0, now::get);
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(ADMITTED);
        assertThat(limits.tryAdmit(ip("10.0.0.2"))).isEqualTo(ADMITTED);
        assertThat(limits.tryAdmit(ip("10.0.0.3"))).isEqualTo(MAX_CONNECTIONS);
        limits.release(ip("10.0.0.1"));
        assertThat(limits.tryAdmit(ip("10.0.0.3"))).isEqualTo(ADMITTED);
        assertThat(limits.activeConnections()).isEqualTo(2);
    }

    @Test
    void limits_connections_per_ip_without_affecting_other_ips() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(100, 2, 0, now::get);
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(ADMITTED);
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(ADMITTED);
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(MAX_CONNECTIONS_PER_IP);
        assertThat(limits.tryAdmit(ip("10.0.0.2"))).isEqualTo(ADMITTED);
        assertThat(limits.activeConnections()).isEqualTo(3);
        limits.release(ip("10.0.0.1"));
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(ADMITTED);
    }

    @Test
    void rate_limits_per_ip_with_a_token_bucket_of_twice_the_rate() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(1000, 0, 5, now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(limits.tryAdmit(ip("10.0.0.1"))).as("burst %d", i).isEqualTo(ADMITTED);
        }
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(RATE_LIMITED);
        assertThat(limits.tryAdmit(ip("10.0.0.2"))).isEqualTo(ADMITTED);
        now.addAndGet(200_000_000L); // 0.2 s at 5/s = 1 token
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(ADMITTED);
        assertThat(limits.tryAdmit(ip("10.0.0.1"))).isEqualTo(RATE_LIMITED);
    }

    @Test
    void forgets_addresses_with_no_connection_and_a_full_bucket() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(100_000, 10, 100, now::get);
        InetAddress stillConnected = ip("10.2.0.1");
        assertThat(limits.tryAdmit(stillConnected)).isEqualTo(ADMITTED);
        for (int i = 0; i < 1000; i++) {
            InetAddress address = ip("10.1." + (i / 250) + "." + (i % 250));
            assertThat(limits.tryAdmit(address)).isEqualTo(ADMITTED);
            limits.release(address);
        }
        assertThat(limits.trackedAddresses()).as("buckets not yet refilled are remembered").isEqualTo(1001);
        now.addAndGet(1_000_000_000L);
        limits.sweep();
        assertThat(limits.trackedAddresses()).as("only the address with an open connection").isEqualTo(1);
        limits.release(stillConnected);
        assertThat(limits.trackedAddresses()).isZero();
        assertThat(limits.activeConnections()).isZero();
    }

    @Test
    void sweeps_by_itself_while_admitting() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(100_000, 0, 1000, now::get);
        for (int i = 0; i < 5 * ConnectionLimits.SWEEP_EVERY; i++) {
            InetAddress address = ip("10.3." + (i / 250 % 250) + "." + (i % 250));
            limits.tryAdmit(address);
            limits.release(address);
            now.addAndGet(5_000_000L); // 5 ms: a bucket of 2000 at 1000/s refills in 2 ms per token
        }
        assertThat(limits.trackedAddresses()).isLessThanOrEqualTo(ConnectionLimits.SWEEP_EVERY);
    }
}
