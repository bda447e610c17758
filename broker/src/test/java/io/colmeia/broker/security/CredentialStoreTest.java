package io.colmeia.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialStoreTest {

    @TempDir
    Path dir;

    static UserEntry user(String name, Role role, String password) {
        return new UserEntry(name, role, PasswordHash.create(password.toCharArray(), PasswordHash.MIN_ITERATIONS),
                null, null);
    }

    @Test
    void aChangedFileIsReloadedAndABrokenOneKeepsTheLastGoodUsers() throws Exception {
        Path file = dir.resolve("users.json");
        UsersFile.write(file, List.of(user("sala", Role.device, "password-of-sala")));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CredentialStore store = new CredentialStore(file, Duration.ofHours(1), registry)) {
            assertThat(store.users().byName()).containsOnlyKeys("sala");
            UsersFile.write(file, List.of(user("sala", Role.device, "password-of-sala"),
                    user("quarto", Role.device, "password-of-quarto")));
            store.checkForChange();
            assertThat(store.users().byName()).containsOnlyKeys("sala", "quarto");

            Files.writeString(file, "{\"users\": [{\"username\": \"x\", \"role\": \"king\"}]}");
            store.checkForChange();
            assertThat(store.users().byName()).containsOnlyKeys("sala", "quarto");
            assertThat(registry.get("colmeia_broker_users_reloads_total").tag("outcome", "failed").counter().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void invalidEntriesNameTheUserAndField() {
        String text = "{\"users\": [{\"username\": \"sala\", \"role\": \"device\", \"password\": \"plain\"}]}";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UsersFile.parse(text, "users.json"))
                .hasMessageContaining("users[0] ('sala')").hasMessageContaining("\"password\"");
        String typo = "{\"users\": [{\"username\": \"sala\", \"role\": \"device\", \"pasword\": \"x\"}]}";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UsersFile.parse(typo, "users.json"))
                .hasMessageContaining("unknown field \"pasword\"");
    }

    @Test
    void aHashVerifiesOnlyItsOwnPasswordAndSurvivesItsTextForm() {
        PasswordHash hash = PasswordHash.create("correct horse".toCharArray(), PasswordHash.MIN_ITERATIONS);
        PasswordHash again = PasswordHash.parse(hash.encode());
        assertThat(again.matches("correct horse".getBytes())).isTrue();
        assertThat(again.matches("correct horsE".getBytes())).isFalse();
        assertThat(again.matches(new byte[0])).isFalse();
        assertThat(hash.encode()).doesNotContain("correct");
    }
}
