package io.colmeia.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** deploy/Dockerfile and its scripts against the build and the command. */
class DockerfileTest {

    private static final String DOCKERFILE = Repo.read("deploy/Dockerfile");

    @Test
    void buildStageRunsTheSameMavenBuildAsTheColmeiaScript() {
        // ./colmeia builds the jar with this command; the image must be built the same way
        Matcher script = Pattern.compile("mvn ([^>)\"\\n]*package)").matcher(Repo.read("colmeia"));
        assertThat(script.find()).as("the mvn command in ./colmeia").isTrue();
        List<String> expected = new ArrayList<>(List.of(script.group(1).trim().split("\\s+")));
        expected.remove("-q"); // quiet only on a terminal; the image build log keeps Maven's output

        Matcher run = Pattern.compile("(?m)^RUN mvn ([^\\\\\\n&]*)").matcher(DOCKERFILE);
        assertThat(run.find()).as("a RUN mvn line in the build stage").isTrue();
        List<String> actual = new ArrayList<>(List.of(run.group(1).trim().split("\\s+")));
        // -DskipTests=${SKIP_TESTS} (default true) is -DskipTests unless the builder asks for the tests
        actual.replaceAll(a -> a.startsWith("-DskipTests=") ? "-DskipTests" : a);
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(DOCKERFILE).contains("ARG SKIP_TESTS=true");
    }

    @Test
    void imageShipsTheJarTheLauncherBuildsAndTheEntrypointRunsIt() {
        Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Repo.read("launcher/pom.xml"));
        assertThat(finalName.find()).as("the launcher's shaded jar name").isTrue();
        String jar = "launcher/target/" + finalName.group(1) + ".jar";
        assertThat(DOCKERFILE).as("the build stage takes %s", jar).contains(jar);

        assertThat(DOCKERFILE).containsPattern("(?m)^ENTRYPOINT \\[\"/opt/colmeia/bin/colmeia\"]$");
        assertThat(Repo.read("deploy/docker/colmeia")).containsPattern("exec java .*-jar /opt/colmeia/colmeia.jar \"\\$@\"");
        assertThat(DOCKERFILE).contains("COPY --from=build /colmeia.jar /opt/colmeia/colmeia.jar");
    }

    @Test
    void defaultCommandIsAnExistingSubcommand() {
        Matcher cmd = Pattern.compile("(?m)^CMD \\[\"([^\"]+)\"").matcher(DOCKERFILE);
        assertThat(cmd.find()).as("CMD in exec form").isTrue();
        assertThat(ColmeiaSpec.subcommands()).contains(cmd.group(1));
    }

    @Test
    void runsAsANonRootUserWithDataUnderAVolume() {
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(DOCKERFILE);
        assertThat(user.find()).isTrue();
        assertThat(user.group(1)).doesNotStartWith("root").doesNotStartWith("0");
        Matcher volume = Pattern.compile("(?m)^VOLUME \\[\"([^\"]+)\"]").matcher(DOCKERFILE);
        assertThat(volume.find()).isTrue();
        Matcher workdir = Pattern.compile("(?m)^WORKDIR (\\S+)").matcher(DOCKERFILE.substring(DOCKERFILE.lastIndexOf("FROM ")));
        assertThat(workdir.find()).isTrue();
        assertThat(workdir.group(1)).as("relative --data-dir defaults land in the volume").isEqualTo(volume.group(1));
        // and the defaults are relative indeed, for every command that has a data directory
        for (String sub : ColmeiaSpec.subcommands()) {
            ColmeiaSpec.variables(sub).values().stream()
                    .filter(o -> o.longestName().endsWith("-dir") && o.defaultValue() != null
                            && o.longestName().matches("--(data|spool)-dir"))
                    .forEach(o -> assertThat(o.defaultValue()).as("colmeia %s %s", sub, o.longestName())
                            .doesNotStartWith("/"));
        }
    }

    @Test
    void healthCheckAsksTheReadinessPathOnTheDefaultStatusPort() throws Exception {
        assertThat(DOCKERFILE).containsPattern("(?m)^HEALTHCHECK .*CMD \\[\"/opt/colmeia/bin/healthcheck\"]");
        String script = Repo.read("deploy/docker/healthcheck");
        Matcher get = Pattern.compile("GET (\\S+) HTTP/1").matcher(script);
        assertThat(get.find()).isTrue();
        try (StatusEndpoint endpoint = new StatusEndpoint()) {
            assertThat(endpoint.isReadinessPath(get.group(1))).as("%s is the readiness path", get.group(1)).isTrue();
        }
        Matcher fallback = Pattern.compile("COLMEIA_HTTP:-([^}]+)}").matcher(script);
        assertThat(fallback.find()).isTrue();
        int scriptPort = io.colmeia.common.config.HostPort.parse(fallback.group(1)).port();
        // a colmeia service that does not set its status address must have the port the script falls back to
        for (Workload w : DeploymentFiles.swarmWorkloads()) {
            if (w.subcommand() != null && ColmeiaSpec.subcommand(w.subcommand()).isPresent()) {
                assertThat(ColmeiaSpec.port(w.subcommand(), w.environment(), "--http"))
                        .as("%s status port (healthcheck reads COLMEIA_HTTP)", w)
                        .isEqualTo(w.environment().containsKey("COLMEIA_HTTP")
                                ? io.colmeia.common.config.HostPort.parse(w.environment().get("COLMEIA_HTTP")).port()
                                : scriptPort);
            }
        }
    }

    @Test
    void healthCheckScriptSucceedsOnlyWhileTheProcessIsReady() throws Exception {
        Path bash = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bash), "no /bin/bash here to run deploy/docker/healthcheck with");
        try (StatusEndpoint endpoint = new StatusEndpoint()) {
            String address = "0.0.0.0:" + endpoint.port(); // a wildcard, as containers bind: reached on loopback
            endpoint.ready(true);
            assertThat(runHealthCheck(address)).as("exit code while ready").isZero();
            endpoint.ready(false);
            assertThat(runHealthCheck(address)).as("exit code while not ready").isNotZero();
        }
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int closed = free.getLocalPort();
            free.close();
            assertThat(runHealthCheck("127.0.0.1:" + closed)).as("exit code with nothing listening").isNotZero();
        }
    }

    private static int runHealthCheck(String http) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/bash", Repo.file("deploy/docker/healthcheck").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("COLMEIA_HTTP", http);
        Process process = builder.start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("healthcheck did not finish in 20 s");
        }
        return process.exitValue();
    }

    @Test
    void dockerIgnoreKeepsBuildOutputAndStateOutOfTheContext() {
        List<String> ignored = Repo.read(".dockerignore").lines().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains(".git", "**/target", ".colmeia");
        assertThat(ignored).as("the build needs the sources and poms").noneMatch(l -> l.equals("*") || l.contains("pom.xml")
                || l.contains("src"));
    }
}
