package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskmaster.client.testing.TestUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contexts file: where it is, what survives a round trip, how it is written and what is refused. */
class ContextsFileTest {

    @TempDir
    Path tmp;

    static final int UID = SocketPaths.currentUid();

    static Contexts sample() {
        return Contexts.EMPTY
                .with(new Context("prod", ServerAddress.parse("web1.example.com:7443"), new ClientSecurity(Path.of("/etc/tm/ca.pem"),
                        Path.of("/home/a/c.pem"), Path.of("/home/a/c.key"), Path.of("/home/a/t oken"), false)))
                .with(new Context("v6", ServerAddress.parse("[::1]:7000"), new ClientSecurity(null, null, null, null, true)))
                .with(new Context("local", ServerAddress.parse("unix:///run/user/1000/taskmaster/blue.sock"), ClientSecurity.NONE))
                .using("prod");
    }

    @Test
    void theLocationFollowsXdgConfigHomeElseHome() {
        assertThat(ContextsFile.location(Map.of("XDG_CONFIG_HOME", "/x/conf", "HOME", "/home/a")))
                .isEqualTo(Path.of("/x/conf/taskmaster/contexts.yaml"));
        assertThat(ContextsFile.location(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/home/a")))
                .isEqualTo(Path.of("/home/a/.config/taskmaster/contexts.yaml"));
        assertThat(ContextsFile.location(Map.of("XDG_CONFIG_HOME", " ", "HOME", "/home/a")))
                .isEqualTo(Path.of("/home/a/.config/taskmaster/contexts.yaml"));
    }

    @Test
    void contextsRoundTripPrivatelyAndAtomically() throws Exception {
        Path file = tmp.resolve("conf/taskmaster/contexts.yaml");
        ContextsFile.save(file, sample());

        assertThat(ContextsFile.load(file, UID)).isEqualTo(sample());
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(file.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing).containsExactly(file); // no temporary file left behind
        }
        assertThat(Files.readString(file)).contains("current: prod", "  prod:\n    server: web1.example.com:7443",
                "    plaintext: true", "server: '[::1]:7000'");

        ContextsFile.save(file, sample().without("prod"));
        Contexts after = ContextsFile.load(file, UID);
        assertThat(after.current()).isNull();
        assertThat(after.names()).containsExactly("v6", "local");
    }

    @Test
    void aReaderNeverSeesHalfAFile() throws Exception {
        Path file = tmp.resolve("contexts.yaml");
        ContextsFile.save(file, sample());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> reads = reader.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    Contexts c = ContextsFile.load(file, UID);
                    assertThat(c.names()).hasSizeBetween(2, 3);
                    n++;
                }
                return n;
            });
            for (int i = 0; i < 200; i++) {
                ContextsFile.save(file, i % 2 == 0 ? sample().without("v6") : sample());
            }
            stop.set(true);
            assertThat(reads.get()).isPositive();
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void aMissingFileIsNoContexts() {
        assertThat(ContextsFile.load(tmp.resolve("none.yaml"), UID)).isEqualTo(Contexts.EMPTY);
    }

    @Test
    void problemsAreLocated() throws Exception {
        assertProblem("contexts:\n  prod:\n    srever: a:1\n",
                ":3:5: contexts.prod.srever: unknown key \"srever\"; expected one of server, ca, cert, key, token_file, plaintext");
        assertProblem("contexts:\n  prod:\n    server: web1\n", ":3:13: contexts.prod.server: invalid server address \"web1\"");
        assertProblem("contexts:\n  prod:\n    ca: /x\n", ":3:5: contexts.prod: no server; expected server: HOST:PORT");
        assertProblem("contexts:\n  prod:\n    server: a:1\n    ca: relative.pem\n",
                ":4:9: contexts.prod.ca: expected an absolute path, found \"relative.pem\"");
        assertProblem("current: nope\ncontexts:\n  prod:\n    server: a:1\n", ":1:10: current: no context \"nope\" in this file");
        assertProblem("contexts:\n  -bad:\n    server: a:1\n", ":2:3: contexts: invalid context name \"-bad\"");
        assertProblem("contexts:\n  lan:\n    server: 10.0.0.5:7000\n    plaintext: true\n",
                ":3:5: contexts.lan: refusing plaintext to 10.0.0.5:7000");
        assertProblem("contexts:\n  a:\n    server: a:1\n    plaintext: yes please\n",
                ":4:16: contexts.a.plaintext: expected true or false, found \"yes please\"");
        assertProblem("contexts: [a, b]\n", ":1:11: contexts: expected a mapping of context names to contexts, found a list");
        assertProblem("contexts:\n  a: {server: a:1\n", "invalid YAML");
        assertProblem("colour: blue\n", ":1:1: colour: unknown key \"colour\"; expected current or contexts");
    }

    private void assertProblem(String text, String message) throws Exception {
        Path file = tmp.resolve("c" + System.nanoTime() + ".yaml");
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> ContextsFile.load(file, UID))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.INVALID))
                .hasMessageStartingWith(file.toString()).hasMessageContaining(message);
    }

    @Test
    void aFileOthersMayWriteIsRefused() throws Exception {
        Path file = tmp.resolve("contexts.yaml");
        ContextsFile.save(file, sample());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThatThrownBy(() -> ContextsFile.load(file, UID))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSAFE))
                .hasMessage("refusing " + file + ": writable by its group (mode 0664), who could send your credentials elsewhere: chmod 600 " + file);
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        assumeTrue(TestUsers.root(), "needs root to create a second user and give it a file");
        int other = TestUsers.uid(TestUsers.OTHER);
        Path file = tmp.resolve("contexts.yaml");
        ContextsFile.save(file, sample());
        Files.setAttribute(file, "unix:uid", other);
        assertThatThrownBy(() -> ContextsFile.load(file, UID))
                .hasMessage("refusing " + file + ": owned by uid " + other + ", not by you (" + UID + ") or root");
    }
}
