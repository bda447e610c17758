package io.colmeia.launcher.drill;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PersistenceBacklogTest {

    @Test
    void sumsSpoolAndQueueGaugesOfAReplica() {
        String metrics = """
                # HELP colmeia_persistence_spool_records Records in the spool
                # TYPE colmeia_persistence_spool_records gauge
                colmeia_persistence_spool_records{node="broker-1"} 12.0
                colmeia_persistence_queue_depth{node="broker-1"} 3.0
                colmeia_persistence_spool_bytes{node="broker-1"} 4096.0
                """;
        assertThat(PersistenceBacklog.sum(metrics)).isEqualTo(15);
    }

    @Test
    void aReplicaWithoutTheGaugesCannotBeJudged() {
        assertThat(PersistenceBacklog.sum("jvm_threads_live_threads 12.0\n")).isEqualTo(-1);
    }
}
