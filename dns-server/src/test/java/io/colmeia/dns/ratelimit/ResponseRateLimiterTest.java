package io.colmeia.dns.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.colmeia.dns.ratelimit.ResponseRateLimiter.Decision;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseRateLimiterTest {

    static final long SECOND = 1_000_000_000L;

    static List<Decision> burst(ResponseRateLimiter rrl, String client, String key, int n, long now)
            throws Exception {
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(rrl.check(InetAddress.getByName(client), key, now));
        }
        return out;
    }

    @Test
    void responsesUpToTheRateAreSentThenSlipAlternatesWithDrop() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(5, 2, 15));
        List<Decision> d = burst(rrl, "127.0.3.50", "+a/1", 9, 0);
        assertThat(d).containsExactly(Decision.SEND, Decision.SEND, Decision.SEND, Decision.SEND, Decision.SEND,
                Decision.DROP, Decision.SLIP, Decision.DROP, Decision.SLIP);
    }

    @Test
    void slipZeroDropsEverythingOverTheRate() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(2, 0, 15));
        assertThat(burst(rrl, "127.0.3.50", "k", 6, 0)).containsExactly(Decision.SEND, Decision.SEND,
                Decision.DROP, Decision.DROP, Decision.DROP, Decision.DROP);
    }

    @Test
    void creditComesBackWithTime() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(2, 0, 1));
        burst(rrl, "127.0.3.50", "k", 4, 0);
        assertThat(burst(rrl, "127.0.3.50", "k", 2, 3 * SECOND)).containsOnly(Decision.SEND);
    }

    @Test
    void clientsInTheSameSlash24ShareABucketOthersDoNot() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(2, 0, 15));
        burst(rrl, "127.0.3.50", "k", 2, 0);
        assertThat(rrl.check(InetAddress.getByName("127.0.3.51"), "k", 0)).isEqualTo(Decision.DROP);
        assertThat(rrl.check(InetAddress.getByName("127.0.4.51"), "k", 0)).isEqualTo(Decision.SEND);
    }

    @Test
    void differentResponsesAreCountedApart() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(1, 0, 15));
        assertThat(rrl.check(InetAddress.getByName("127.0.3.50"), "a", 0)).isEqualTo(Decision.SEND);
        assertThat(rrl.check(InetAddress.getByName("127.0.3.50"), "b", 0)).isEqualTo(Decision.SEND);
        assertThat(rrl.check(InetAddress.getByName("127.0.3.50"), "a", 0)).isEqualTo(Decision.DROP);
    }

    @Test
    void disabledLimiterSendsEverything() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(ResponseRateLimiter.Settings.of(0, 2, 15));
        assertThat(burst(rrl, "127.0.3.50", "k", 1000, 0)).containsOnly(Decision.SEND);
        assertThat(rrl.size()).isZero();
    }

    @Test
    void tableStaysBoundedUnderSpoofedSourcesAndNewKeysSlipWhenFull() throws Exception {
        ResponseRateLimiter rrl = new ResponseRateLimiter(new ResponseRateLimiter.Settings(10, 2, 1, 24, 56, 100));
        for (int i = 0; i < 1000; i++) {
            rrl.check(InetAddress.getByName("10." + (i / 256) + "." + (i % 256) + ".1"), "k", 0);
        }
        assertThat(rrl.size()).isLessThanOrEqualTo(100);
        assertThat(rrl.check(InetAddress.getByName("11.0.0.1"), "k", 0)).isEqualTo(Decision.SLIP);
        // once the window has passed, idle buckets are swept and new clients are tracked again
        assertThat(rrl.check(InetAddress.getByName("11.0.0.1"), "k", 5 * SECOND)).isEqualTo(Decision.SEND);
    }
}
