package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterctl context add|use|list|remove}, the file they keep, and which daemon a
 * command then talks to: explicit flags > --context > TASKMASTER_CONTEXT > current context >
 * the local default socket.
 */
class ContextCommandTest extends CtlTest {

    @TempDir
    Path tmp;
    Path contexts;
    TestPki pki;
    TestPki.Issued cert;
    Path token;

    @BeforeEach
    void files() throws Exception {
        contexts = configHome.resolve("taskmaster/contexts.yaml");
        pki = TestPki.create(tmp, "ca");
        cert = pki.client("me", "operator");
        token = tmp.resolve("prod.token");
        Files.writeString(token, "secret\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web", 7, 1)).build());
    }

    private Result add(String name, String... flags) {
        return run(RemoteTest.concat(new String[] {"context", "add", name}, flags));
    }

    private void addThree() {
        assertThat(add("prod", "--server", "web1.example.com:7443", "--ca", pki.caFile().toString(), "--cert", cert.certFile().toString(),
                "--key", cert.keyFile().toString(), "--token-file", token.toString()).exit()).isZero();
        assertThat(add("staging", "--server", "[::1]:7000", "--plaintext").exit()).isZero();
        assertThat(add("blue", "--socket", "/run/blue.sock").exit()).isZero();
    }

    @Test
    void addListUseRemoveRoundTrip() throws Exception {
        Result added = add("prod", "--server", "web1.example.com:7443", "--ca", pki.caFile().toString(), "--cert", cert.certFile().toString(),
                "--key", cert.keyFile().toString(), "--token-file", token.toString());
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out()).isEqualTo("context prod added: web1.example.com:7443 (TLS (own CA), client cert, token);"
                + " use it with: taskmasterctl context use prod, or --context prod\n");
        assertThat(add("staging", "--server", "[::1]:7000", "--plaintext").exit()).isZero();
        assertThat(add("blue", "--socket", "/run/blue.sock").exit()).isZero();
        assertThat(daemon.received).isEmpty(); // no daemon is asked anything

        assertThat(Files.getPosixFilePermissions(contexts)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(contexts.getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));

        assertThat(run("context", "use", "staging").out()).isEqualTo("now using context staging ([::1]:7000)\n");
        assertThat(run("context", "list").outLines()).containsExactly(
                "CURRENT  NAME     SERVER                 AUTH",
                "         prod     web1.example.com:7443  TLS (own CA), client cert, token",
                "*        staging  [::1]:7000             plaintext",
                "         blue     unix:///run/blue.sock  local socket");
        assertThat(run("context").outLines()).hasSize(4); // no sub-verb: the list

        Result removed = run("context", "remove", "staging");
        assertThat(removed.out()).isEqualTo("context staging removed; it was the current context: taskmasterctl now talks to the local daemon\n");
        assertThat(run("context", "list").outLines()).noneMatch(l -> l.startsWith("*")).hasSize(3);
        assertThat(Files.getPosixFilePermissions(contexts)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void relativePathsAreKeptAbsolute() throws Exception {
        Path relative = Path.of("").toAbsolutePath().relativize(pki.caFile());
        assertThat(add("prod", "--server", "web1:7443", "--ca", relative.toString()).exit()).isZero();
        assertThat(Files.readString(contexts)).contains("ca: " + pki.caFile());
    }

    @Test
    void theCurrentContextIsUsedByCommandsWithoutAnAddress() {
        addThree();
        run("context", "use", "prod");

        assertThat(run("status").exit()).isZero();

        assertThat(targetsOpened.getLast()).isEqualTo(new DaemonTarget(ServerAddress.parse("web1.example.com:7443"),
                new ClientSecurity(pki.caFile(), cert.certFile(), cert.keyFile(), token, false), "prod"));
    }

    @Test
    void precedenceFlagsThenContextFlagThenEnvironmentThenCurrentThenLocal() {
        assertThat(run("status").exit()).isZero();
        assertThat(targetsOpened.getLast().address()).isEqualTo(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/default.sock")));

        addThree();
        run("context", "use", "prod");
        assertThat(run("status").exit()).isZero();
        assertThat(targetsOpened.getLast().context()).isEqualTo("prod");

        env.put("TASKMASTER_CONTEXT", "staging");
        assertThat(run("status").exit()).isZero();
        assertThat(targetsOpened.getLast().context()).isEqualTo("staging");

        assertThat(run("status", "--context", "blue").exit()).isZero();
        assertThat(targetsOpened.getLast().context()).isEqualTo("blue");
        assertThat(targetsOpened.getLast().address()).isEqualTo(new ServerAddress.Unix(Path.of("/run/blue.sock")));

        // An address flag wins over every context, and takes none of their credentials.
        assertThat(run("status", "-i", "green").exit()).isZero();
        assertThat(targetsOpened.getLast()).isEqualTo(DaemonTarget.unix(Path.of("/run/user/1000/taskmaster/green.sock")));
        assertThat(run("status", "--server", "web9:7443").exit()).isZero();
        assertThat(targetsOpened.getLast()).isEqualTo(new DaemonTarget(ServerAddress.parse("web9:7443"), ClientSecurity.NONE, null));

        // A flag given with a context overrides that setting of it.
        Path other = tmp.resolve("other.token");
        assertThat(run("status", "--context", "prod", "--token-file", other.toString()).exit()).isZero();
        assertThat(targetsOpened.getLast().security().tokenFile()).isEqualTo(other);
        assertThat(targetsOpened.getLast().security().cert()).isEqualTo(cert.certFile());
    }

    @Test
    void theListSaysWhenTheEnvironmentOverridesTheCurrentContext() {
        addThree();
        run("context", "use", "prod");
        env.put("TASKMASTER_CONTEXT", "blue");

        assertThat(run("context", "list").outLines()).last().isEqualTo("TASKMASTER_CONTEXT=blue overrides the current context in this environment");
    }

    @Test
    void useNoneGoesBackToTheLocalDaemon() {
        addThree();
        run("context", "use", "prod");

        assertThat(run("context", "use", "--none").exit()).isZero();
        run("status");

        assertThat(targetsOpened.getLast().address()).isEqualTo(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/default.sock")));
    }

    @Test
    void aContextRoundTripsToARealTlsDaemon() throws Exception {
        opener = DaemonChannel::open;
        TestPki.Issued server = pki.server("daemon", "127.0.0.1");
        try (TlsFakeDaemon d = TlsFakeDaemon.tls("127.0.0.1", server, pki.caFile(), true, "secret")) {
            assertThat(add("lab", "--server", d.address(), "--ca", pki.caFile().toString(), "--cert", cert.certFile().toString(),
                    "--key", cert.keyFile().toString(), "--token-file", token.toString()).exit()).isZero();

            Result r = run("--context", "lab", "pid");

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(d.calls()).singleElement().satisfies(s -> {
                assertThat(s.clientSubject()).isEqualTo("CN=me,OU=operator");
                assertThat(s.authorization()).isEqualTo("Bearer secret");
            });
        }
    }

    @Test
    void mistakesAreOneLineEach() throws Exception {
        addThree();
        Result unknown = run("status", "--context", "prod2");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).isEqualTo("taskmasterctl: no context \"prod2\" in " + contexts + "; known: prod, staging, blue\n");

        env.put("TASKMASTER_CONTEXT", "gone");
        assertThat(run("status").err()).isEqualTo("taskmasterctl: no context \"gone\" (named by TASKMASTER_CONTEXT) in " + contexts
                + "; known: prod, staging, blue\n");
        env.remove("TASKMASTER_CONTEXT");

        Result twice = add("prod", "--server", "web1:7443");
        assertThat(twice.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(twice.err()).isEqualTo("taskmasterctl: context \"prod\" exists (web1.example.com:7443); remove it first: taskmasterctl context remove prod\n");

        Result noServer = add("x");
        assertThat(noServer.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noServer.err()).isEqualTo("taskmasterctl: context add x: give the daemon's address with --server ADDRESS"
                + " (HOST:PORT, [IPV6]:PORT or unix:///PATH)\n");

        Result badName = add("-x", "--server", "a:1");
        assertThat(badName.exit()).isEqualTo(ExitCodes.USAGE);

        Result lan = add("lan", "--server", "10.0.0.5:7000", "--plaintext");
        assertThat(lan.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(lan.err()).startsWith("taskmasterctl: refusing plaintext to 10.0.0.5:7000");

        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        Result openToken = add("t", "--server", "a:1", "--token-file", token.toString());
        assertThat(openToken.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(openToken.err()).startsWith("taskmasterctl: refusing --token-file " + token);

        Result wrongKey = add("k", "--server", "a:1", "--cert", cert.certFile().toString(), "--key", pki.client("other", null).keyFile().toString());
        assertThat(wrongKey.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(wrongKey.err()).contains("is not the key of the certificate in --cert " + cert.certFile());

        Result useUnknown = run("context", "use", "nope");
        assertThat(useUnknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("context", "use").err()).isEqualTo("taskmasterctl: context use: give a context's name, or --none\n");
        assertThat(run("context", "list").outLines()).hasSize(4); // nothing was added by the failures
    }

    @Test
    void aContextsFileOthersMayWriteIsRefused() throws Exception {
        addThree();
        Files.setPosixFilePermissions(contexts, PosixFilePermissions.fromString("rw-rw-rw-"));

        Result r = run("status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: refusing " + contexts + ": writable by others (mode 0666), who could send your"
                + " credentials elsewhere: chmod 600 " + contexts + "\n");
        // An explicit address does not need the file.
        assertThat(run("status", "--socket", "/tmp/x.sock").exit()).isZero();
    }

    @Test
    void withoutContextsTheListSaysHowToAddOne() {
        assertThat(run("context", "list").out()).isEqualTo("no contexts in " + contexts
                + "; add one with: taskmasterctl context add NAME --server ADDRESS\n");
    }
}
