package io.colmeia.launcher.users;

import io.colmeia.broker.security.PasswordHash;
import io.colmeia.broker.security.Role;
import io.colmeia.broker.security.TopicPattern;
import io.colmeia.broker.security.UserEntry;
import io.colmeia.broker.security.UsersFile;
import io.colmeia.common.config.InvalidConfigurationException;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code colmeia users}: manages the users file the brokers read ({@code --users-file}); running brokers pick up
 * the change within their {@code --users-reload-interval}. Passwords are never echoed nor taken as arguments.
 */
@Command(name = "users", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Manage the broker users file: add (or re-key), remove and list users.",
                "Running brokers reload the file by themselves within --users-reload-interval."},
        subcommands = {UsersCommand.Add.class, UsersCommand.Remove.class, UsersCommand.ListUsers.class})
public final class UsersCommand implements Runnable {

    /** Shortest password accepted: devices keep theirs in flash, so length costs nothing. */
    static final int MIN_PASSWORD_LENGTH = 12;

    @Spec
    CommandSpec spec;

    @Option(names = "--users-file", defaultValue = "users.json", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The users file (the brokers' --users-file) (default: ${DEFAULT-VALUE}).")
    Path usersFile;

    private final InputStream stdin;

    public UsersCommand() {
        this(System.in);
    }

    /** @param stdin where {@code --password-stdin} reads from (tests) */
    public UsersCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    Map<String, UserEntry> load() throws IOException {
        if (!Files.exists(usersFile)) {
            return new LinkedHashMap<>();
        }
        return new LinkedHashMap<>(UsersFile.read(usersFile));
    }

    @Command(name = "add", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Add a user, or with --replace give an existing one a new password, role or topics.",
                    "The password comes from --password-stdin (first line), --password-env VARIABLE, or a prompt"
                            + " that does not echo it."})
    static final class Add implements Callable<Integer> {

        @ParentCommand
        UsersCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "USERNAME",
                description = "Letters, digits, '.', '_', '@', ':' or '-' (it can appear in topics as %%u).")
        String username;

        @Option(names = "--role", required = true, paramLabel = "ROLE",
                description = "device, subscriber or admin (see docs/security.md for what each may do).")
        String role;

        @Option(names = "--publish", split = ",", paramLabel = "PATTERN",
                description = "Topic patterns this user may publish to, replacing the role's; %%u = username,"
                        + " %%c = client id; comma-separated.")
        List<String> publish;

        @Option(names = "--subscribe", split = ",", paramLabel = "PATTERN",
                description = "Topic patterns this user may subscribe to, replacing the role's; comma-separated.")
        List<String> subscribe;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean passwordStdin;

        @Option(names = "--password-env", paramLabel = "VARIABLE",
                description = "Read the password from this environment variable.")
        String passwordEnv;

        @Option(names = "--replace", description = "Replace the user if it exists (password rotation, role change).")
        boolean replace;

        @Option(names = "--iterations", defaultValue = "" + PasswordHash.DEFAULT_ITERATIONS, paramLabel = "N",
                description = "PBKDF2-HMAC-SHA256 iterations of the hash (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Override
        public Integer call() throws IOException {
            try {
                UserEntry.requireValidUsername(username);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("USERNAME", e.getMessage());
            }
            Role parsedRole;
            try {
                parsedRole = Role.parse(role);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("--role", e.getMessage());
            }
            validatePatterns("--publish", publish);
            validatePatterns("--subscribe", subscribe);
            if (iterations < PasswordHash.MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
                throw new InvalidConfigurationException("--iterations", "must be between "
                        + PasswordHash.MIN_ITERATIONS + " and " + PasswordHash.MAX_ITERATIONS);
            }
            Map<String, UserEntry> users = parent.load();
            boolean exists = users.containsKey(username);
            if (exists && !replace) {
                throw new InvalidConfigurationException("USERNAME", "user '" + username + "' exists in "
                        + parent.usersFile + "; give --replace to change it");
            }
            char[] password = readPassword();
            try {
                if (password.length < MIN_PASSWORD_LENGTH) {
                    throw new InvalidConfigurationException("password", "must be at least " + MIN_PASSWORD_LENGTH
                            + " characters, got " + password.length);
                }
                PasswordHash hash = PasswordHash.create(password, iterations);
                users.put(username, new UserEntry(username, parsedRole, hash, publish, subscribe));
            } finally {
                Arrays.fill(password, '\0');
            }
            UsersFile.write(parent.usersFile, users.values());
            PrintWriter out = spec.commandLine().getOut();
            out.println((exists ? "updated" : "added") + " user '" + username + "' (" + parsedRole + ") in "
                    + parent.usersFile);
            out.flush();
            return 0;
        }

        private static void validatePatterns(String option, List<String> patterns) {
            if (patterns == null) {
                return;
            }
            for (String p : patterns) {
                try {
                    TopicPattern.validate(p);
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigurationException(option, e.getMessage());
                }
            }
        }

        private char[] readPassword() throws IOException {
            if (passwordStdin && passwordEnv != null) {
                throw new InvalidConfigurationException("--password-env", "give only one of --password-stdin and"
                        + " --password-env");
            }
            if (passwordStdin) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(parent.stdin, StandardCharsets.UTF_8));
                String line = reader.readLine();
                if (line == null) {
                    throw new InvalidConfigurationException("--password-stdin", "standard input is empty");
                }
                return line.toCharArray();
            }
            if (passwordEnv != null) {
                String value = System.getenv(passwordEnv);
                if (value == null) {
                    throw new InvalidConfigurationException("--password-env", "environment variable " + passwordEnv
                            + " is not set");
                }
                return value.toCharArray();
            }
            Console console = System.console();
            if (console == null) {
                throw new InvalidConfigurationException("--password-stdin", "no terminal to prompt on: give"
                        + " --password-stdin or --password-env VARIABLE");
            }
            char[] first = console.readPassword("Password for %s: ", username);
            char[] second = console.readPassword("Repeat it: ");
            try {
                if (first == null || second == null || !Arrays.equals(first, second)) {
                    throw new InvalidConfigurationException("password", "the two entries differ");
                }
                return first.clone();
            } finally {
                if (first != null) {
                    Arrays.fill(first, '\0');
                }
                if (second != null) {
                    Arrays.fill(second, '\0');
                }
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a user; brokers refuse its next CONNECT and its PUBLISH/SUBSCRIBE at once.")
    static final class Remove implements Callable<Integer> {

        @ParentCommand
        UsersCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "USERNAME", description = "The user to remove.")
        String username;

        @Override
        public Integer call() throws IOException {
            Map<String, UserEntry> users = parent.load();
            if (users.remove(username) == null) {
                throw new InvalidConfigurationException("USERNAME", "no user '" + username + "' in "
                        + parent.usersFile);
            }
            UsersFile.write(parent.usersFile, users.values());
            spec.commandLine().getOut().println("removed user '" + username + "' from " + parent.usersFile);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List users with their role and topic patterns (never the hashes).")
    static final class ListUsers implements Callable<Integer> {

        @ParentCommand
        UsersCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Map<String, UserEntry> users = parent.load();
            if (users.isEmpty()) {
                out.println("no users in " + parent.usersFile);
            }
            for (UserEntry u : users.values()) {
                out.printf("%-24s %-10s publish %s  subscribe %s%s%n", u.username(), u.role(),
                        u.effectivePublish(), u.effectiveSubscribe(),
                        u.publish() != null || u.subscribe() != null ? "  (own patterns)" : "");
            }
            out.flush();
            return 0;
        }
    }
}
