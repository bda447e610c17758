package io.colmeia.broker.cluster.share;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShareTopicsTest {

    @Test
    void aShareIsParkedUnderItsGroupAndFilter() {
        ShareTopics.Share s = ShareTopics.parseShare("$share/workers/sensors/+/t");
        assertThat(s).isEqualTo(new ShareTopics.Share("workers", "sensors/+/t"));
        assertThat(s.key()).isEqualTo("workers/sensors/+/t");
        assertThat(s.parked()).isEqualTo("$colmeia-share/workers/sensors/+/t");
        assertThat(ShareTopics.parseParked(s.parked())).isEqualTo(s);
        assertThat(ShareTopics.parseKey(s.key())).isEqualTo(s);
    }

    @Test
    void malformedSharesAreNotShares() {
        assertThat(ShareTopics.parseShare("sensors/#")).isNull();
        assertThat(ShareTopics.parseShare("$share/")).isNull();
        assertThat(ShareTopics.parseShare("$share//x")).isNull();
        assertThat(ShareTopics.parseShare("$share/g")).isNull();
        assertThat(ShareTopics.parseShare("$share/g/")).isNull();
        assertThat(ShareTopics.parseShare("$share/g+/x")).isNull();
        assertThat(ShareTopics.parseParked("$share/g/x")).isNull();
    }

    @Test
    void aParkedTopicIsRestoredForTheMember() {
        String parked = ShareTopics.parkedTopic("workers", "sensors/a/t");
        assertThat(parked).isEqualTo("$colmeia-share/workers/sensors/a/t");
        assertThat(ShareTopics.unpark(parked)).isEqualTo("sensors/a/t");
        assertThat(ShareTopics.unpark("sensors/a/t")).isEqualTo("sensors/a/t");
    }
}
