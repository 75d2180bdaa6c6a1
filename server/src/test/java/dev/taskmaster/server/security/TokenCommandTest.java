package dev.taskmaster.server.security;

import static dev.taskmaster.server.daemon.DaemonCommandRun.taskmasterd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.server.daemon.DaemonCommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code taskmasterd token add}, run through the daemon's own command line. */
class TokenCommandTest {

    @TempDir
    Path tmp;

    int me() throws Exception {
        return (Integer) Files.getAttribute(tmp, "unix:uid");
    }

    @Test
    void addPrintsTheTokenOnceAndStoresOnlyItsHashInAPrivateFile() throws Exception {
        Path file = tmp.resolve("etc/tokens");
        DaemonCommandRun r = taskmasterd("token", "add", "deploy-bot", "--role", "operator", "--file", file.toString());
        assertThat(r.code()).isZero();
        String token = r.out().strip();
        assertThat(token).matches("tm_[A-Za-z0-9_-]{43}");
        assertThat(r.err()).contains("token \"deploy-bot\" (operator) added to " + file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String stored = Files.readString(file);
        assertThat(stored).doesNotContain(token.substring(3)).matches("deploy-bot operator [0-9a-f]{64}\n");
        int me = me();
        Tokens tokens = Tokens.load(Optional.of(file), () -> me);
        assertThat(tokens.check(token)).map(Token::role).contains(Role.ROLE_OPERATOR);

        DaemonCommandRun second = taskmasterd("token", "add", "alice", "--role", "admin", "--file", file.toString());
        assertThat(second.code()).isZero();
        assertThat(Files.readAllLines(file)).hasSize(2);
        assertThat(Tokens.load(Optional.of(file), () -> me).check(second.out().strip())).map(Token::name).contains("alice");
        assertThat(second.out().strip()).isNotEqualTo(token);
    }

    @Test
    void aNameTakenAnOpenFileOrABrokenFileAddsNothing() throws Exception {
        Path file = tmp.resolve("tokens");
        assertThat(taskmasterd("token", "add", "bot", "--role", "viewer", "--file", file.toString()).code()).isZero();
        String before = Files.readString(file);
        DaemonCommandRun taken = taskmasterd("token", "add", "bot", "--role", "admin", "--file", file.toString());
        assertThat(taken.code()).isEqualTo(TokenCommand.EXIT_FILE);
        assertThat(taken.out()).isEmpty();
        assertThat(taken.err()).contains(file + ": a token named \"bot\" exists already; remove its line first to replace it")
                .contains("taskmasterd: token not added");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        DaemonCommandRun open = taskmasterd("token", "add", "other", "--role", "admin", "--file", file.toString());
        assertThat(open.code()).isEqualTo(TokenCommand.EXIT_FILE);
        assertThat(open.err()).contains("the tokens file is open to group or others (mode 0644)");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, "garbage\n", java.nio.file.StandardOpenOption.APPEND);
        DaemonCommandRun broken = taskmasterd("token", "add", "other", "--role", "admin", "--file", file.toString());
        assertThat(broken.code()).isEqualTo(TokenCommand.EXIT_FILE);
        assertThat(broken.err()).contains(file + ":2:1: expected NAME ROLE SHA256-HEX (3 fields), found 1 field");
        assertThat(Files.readString(file)).isEqualTo(before + "garbage\n");
    }

    @Test
    void badUsageIsExitTwoWithTheReason() {
        DaemonCommandRun role = taskmasterd("token", "add", "bot", "--role", "root", "--file", tmp.resolve("t").toString());
        assertThat(role.code()).isEqualTo(2);
        assertThat(role.err()).contains("invalid role \"root\"; expected viewer, operator or admin");
        DaemonCommandRun name = taskmasterd("token", "add", "bad name!", "--role", "viewer", "--file", tmp.resolve("t").toString());
        assertThat(name.code()).isEqualTo(2);
        assertThat(name.err()).contains("invalid token name \"bad name!\"");
        assertThat(taskmasterd("token", "add", "bot", "--role", "viewer").code()).isEqualTo(2);
        assertThat(Files.exists(tmp.resolve("t"))).isFalse();
    }

    @Test
    void concurrentAddsNeitherInterleaveNorLoseALine() throws Exception {
        Path file = tmp.resolve("tokens");
        int threads = 6;
        ConcurrentLinkedQueue<String> printed = new ConcurrentLinkedQueue<>();
        AtomicInteger failures = new AtomicInteger();
        List<Thread> running = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t;
            running.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5; i++) {
                    DaemonCommandRun r = taskmasterd("token", "add", "bot-" + n + "-" + i, "--role", "viewer", "--file", file.toString());
                    if (r.code() == 0) {
                        printed.add(r.out().strip());
                    } else {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        assertThat(failures).hasValue(0);
        int me = me();
        Tokens tokens = Tokens.load(Optional.of(file), () -> me);
        assertThat(tokens.size()).isEqualTo(threads * 5);
        Set<String> names = new HashSet<>();
        for (String token : printed) {
            names.add(tokens.check(token).orElseThrow().name());
        }
        assertThat(names).hasSize(threads * 5);
    }
}
