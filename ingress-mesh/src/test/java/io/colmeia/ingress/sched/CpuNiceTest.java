package io.colmeia.ingress.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CpuNiceTest {

    @Test
    void reads_the_nice_field_of_a_stat_line_whatever_the_command_name() {
        String plain = "4242 (java) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 3 0 0 30 10 42 0 100 0 0";
        assertThat(CpuNice.parseNice(plain)).isEqualTo(OptionalInt.of(10));
        String tricky = "4243 (ingress-io (x) 1) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 39 19 1 0 1 0 0";
        assertThat(CpuNice.parseNice(tricky)).isEqualTo(OptionalInt.of(19));
        String negative = "1 (a b) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 15 -5 1 0 1 0 0";
        assertThat(CpuNice.parseNice(negative)).isEqualTo(OptionalInt.of(-5));
        assertThat(CpuNice.parseNice("garbage")).isEmpty();
        assertThat(CpuNice.parseNice("1 (short) S 0 1")).isEmpty();
    }

    @Test
    void refuses_values_outside_what_linux_knows() {
        assertThatThrownBy(() -> CpuNice.lower(20, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CpuNice.lower(-1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * In a child JVM (lowering this one would slow the rest of the suite): after lowering, the threads that
     * existed and a thread started afterwards all run at the new nice value.
     */
    @Test
    void lowers_every_thread_and_the_threads_started_afterwards() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "needs Linux /proc");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/renice")) || Files.isExecutable(Path.of("/bin/renice")),
                "needs util-linux renice");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(java.toString(), "-Xmx32m", "-cp",
                System.getProperty("java.class.path"), Child.class.getName()))
                .redirectErrorStream(true).start();
        child.getOutputStream().close();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).contains("applied=true nice=7", "later-thread=7", "all-threads=7");
    }

    /** The child: lowers itself to 7 and reports the nice values it then finds. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Thread before = new Thread(() -> sleepQuietly(), "existing");
            before.setDaemon(true);
            before.start();
            CpuNice.Outcome outcome = CpuNice.lower(7, Duration.ofSeconds(10));
            int[] later = new int[1];
            Thread after = new Thread(() -> later[0] = CpuNice.current().orElse(-100), "later");
            after.start();
            after.join();
            java.util.Set<Integer> all = new java.util.TreeSet<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        all.add(CpuNice.parseNice(Files.readString(task.resolve("stat"))).orElse(-100));
                    } catch (java.io.IOException exitedMeanwhile) {
                        // a thread that ended between the listing and the read
                    }
                }
            }
            System.out.println("applied=" + outcome.applied() + " nice=" + outcome.nice().orElse(-100) + " ("
                    + outcome.detail() + ") later-thread=" + later[0] + " all-threads="
                    + (all.size() == 1 ? all.iterator().next() : all));
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
