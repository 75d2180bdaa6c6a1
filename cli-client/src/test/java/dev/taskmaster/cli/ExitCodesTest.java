package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.testing.TestUsers;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import io.grpc.Status;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every exit-code path, each with its one line on stderr and no stack trace. */
class ExitCodesTest extends CtlTest {

    @TempDir
    Path tmp;

    @Test
    void notFoundIs4WithTheDaemonsSentence() {
        daemon.answer("StartProcesses", Status.NOT_FOUND.withDescription("no process \"wbe\"; did you mean \"web\"?"));

        Result r = run("start", "wbe");

        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).isEqualTo("taskmasterctl: no process \"wbe\"; did you mean \"web\"?\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unavailableFromTheDaemonIs6() {
        daemon.answer("ListProcesses", Status.UNAVAILABLE.withDescription("taskmasterd is shutting down"));

        Result r = run("status");

        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd at /run/user/1000/taskmaster/default.sock is unavailable:"
                + " taskmasterd is shutting down\n");
    }

    @Test
    void unimplementedIs1AndNamesTheVerb() {
        Result r = run("reload");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("taskmasterctl: the daemon does not support reload yet\n");
    }

    @Test
    void someProcessNotRunningIs3() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("a", 1, 1))
                .addProcesses(Fixtures.exited("b", 1, false)).build());

        assertThat(run("status").exit()).isEqualTo(3);
    }

    @Test
    void permissionDeniedAndUnauthenticatedAre7() {
        daemon.answer("Shutdown", Status.PERMISSION_DENIED.withDescription("shutdown needs the admin role; you are a viewer"));
        daemon.answer("ListProcesses", Status.UNAUTHENTICATED.withDescription("no credentials"));

        Result r = run("shutdown");
        assertThat(r.exit()).isEqualTo(7);
        assertThat(r.err()).isEqualTo("taskmasterctl: shutdown needs the admin role; you are a viewer\n");
        assertThat(run("status").exit()).isEqualTo(7);
    }

    @Test
    void invalidArgumentFromTheDaemonIsBadUsage() {
        daemon.answer("SignalProcesses", Status.INVALID_ARGUMENT.withDescription("unknown signal \"FOO\""));

        Result r = run("signal", "FOO", "web");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("taskmasterctl: unknown signal \"FOO\"\n");
    }

    @Test
    void otherStatusesAre1WithTheirDescription() {
        daemon.answer("AddProgram", Status.ALREADY_EXISTS.withDescription("a program \"web\" exists already"));
        daemon.answer("ListProcesses", Status.INTERNAL.withDescription(null));

        Result r = run("add", "web", "--cmd", "/bin/true");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("taskmasterctl: a program \"web\" exists already\n");
        Result internal = run("status");
        assertThat(internal.exit()).isEqualTo(1);
        assertThat(internal.err()).isEqualTo("taskmasterctl: internal\n");
    }

    @Test
    void badUsageIs2WithOneProblemLineAndAPointerToHelp() {
        Result unknown = run("stat");
        assertThat(unknown.exit()).isEqualTo(2);
        // Issue 16: "unknown command" and the nearest verbs, one line, instead of picocli's "Unmatched argument".
        assertThat(unknown.err()).isEqualTo("taskmasterctl: unknown command \"stat\"; did you mean status?"
                + " ('taskmasterctl --help' lists the verbs)\n");

        Result badOption = run("status", "--bogus");
        assertThat(badOption.exit()).isEqualTo(2);
        assertThat(badOption.err()).endsWith("Try 'taskmasterctl status --help' for more information.\n");

        Result badTimeout = run("status", "--timeout", "soon");
        assertThat(badTimeout.exit()).isEqualTo(2);
        assertThat(badTimeout.err()).contains("'soon' is not a duration");

        Result badInstance = run("status", "--instance", "../etc");
        assertThat(badInstance.exit()).isEqualTo(2);
        assertThat(badInstance.err()).startsWith("taskmasterctl: invalid instance name \"../etc\"");
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void noArgumentsOrShellPrintTheUsageAndExit2() {
        for (String[] args : new String[][] {{}, {"shell"}}) {
            Result r = run(args);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("Usage: taskmasterctl", "status", "start", "events");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void helpAndVersionExit0() {
        assertThat(run("--help").exit()).isZero();
        assertThat(run("status", "--help").out()).startsWith("Usage: taskmasterctl status");
        Result v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).matches("taskmasterctl \\S+\n");
    }

    @Test
    void deadlineExceededSaysWhichLimitToRaise() {
        daemon.answer("ListProcesses", Status.DEADLINE_EXCEEDED);

        Result r = run("status");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd did not answer in time (the limit is --timeout; raise it for long stops)\n");
    }

    // ------------------------------------------------------------------ real sockets

    @Test
    void aMissingSocketIs6AndSaysWhichSocketAndHowToStartTheDaemon() {
        opener = DaemonChannel::open;
        Path socket = tmp.resolve("nobody.sock");

        Result r = run("status", "--socket", socket.toString());

        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot reach taskmasterd at " + socket
                + " (no such socket); start it with: taskmasterd -c FILE --socket " + socket + "\n");
    }

    @Test
    void theDefaultSocketOfAnInstanceIsNamedWithTheInstanceToStart() {
        opener = DaemonChannel::open;
        env.put("XDG_RUNTIME_DIR", tmp.toString());

        Result named = run("info", "--instance", "blue");
        Result plain = run("pid");

        assertThat(named.exit()).isEqualTo(6);
        assertThat(named.err()).isEqualTo("taskmasterctl: cannot reach taskmasterd at " + tmp.resolve("taskmaster/blue.sock")
                + " (no such socket); start it with: taskmasterd -c FILE --instance blue\n");
        assertThat(plain.err()).isEqualTo("taskmasterctl: cannot reach taskmasterd at " + tmp.resolve("taskmaster/default.sock")
                + " (no such socket); start it with: taskmasterd -c FILE\n");
    }

    @Test
    void aSocketLeftByADeadDaemonIs6ConnectionRefused() throws Exception {
        opener = DaemonChannel::open;
        Path socket = tmp.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
        } // closed: the file stays, nobody listens

        Result r = run("status", "--socket", socket.toString());

        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot reach taskmasterd at " + socket
                + " (connection refused: the daemon that made this socket is gone); start it with: taskmasterd -c FILE --socket "
                + socket + "\n");
    }

    // ------------------------------------------------------------------ sockets that are not ours

    @Test
    void aSocketOwnedByAnotherUserIs7AndNamesTheOwner() throws Exception {
        assumeTrue(TestUsers.root(), "needs root to create a second user and give it a socket");
        int other = TestUsers.uid(TestUsers.OTHER);
        opener = DaemonChannel::open;
        Path socket = tmp.resolve("default.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket)); // someone listens: only the check stands in the way
            Files.setAttribute(socket, "unix:uid", other);

            Result r = run("status", "--socket", socket.toString());

            assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
            assertThat(r.err()).isEqualTo("taskmasterctl: refusing " + socket + ": owned by uid " + other + ", not by you ("
                    + SocketPaths.currentUid() + ") or root\n");
        }
    }

    @Test
    void aSocketInADirectoryAnyoneMayWriteIs7() throws Exception {
        opener = DaemonChannel::open;
        Path dir = Files.createDirectory(tmp.resolve("taskmaster"));
        env.put("XDG_RUNTIME_DIR", tmp.toString());
        Path socket = dir.resolve("default.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

            Result r = run("status");

            assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
            assertThat(r.err()).isEqualTo("taskmasterctl: refusing " + socket + ": its directory " + dir
                    + " is writable by others (mode 0777) without the sticky bit, so the socket could be replaced\n");
        }
    }
}
