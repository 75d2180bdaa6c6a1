package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.AuthProto;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TaskmasterProto;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import dev.taskmaster.testkit.Poll;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example clients of clients/ (Python, Node, Go), generated from the .proto now and run as
 * real processes against a real bin/taskmasterd on its Unix socket: the status table, events
 * followed across broken connections, tail, a scripted attach to a tty program, and the role of
 * every RPC read from the contract's descriptor. A language whose tools are missing is skipped
 * (naming what to install), or fails when CI=true.
 */
class ClientsIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    /** Lines the "counter" program prints: about 280 KB, more than four 64 KiB tail reads. */
    static final int COUNTER_LINES = 5000;

    @TempDir
    static Path tmp;

    private static Map<String, String> env;
    private static BinProcess daemon;
    private static ManagedChannel channel;
    private static TaskmasterServiceBlockingStub stub;
    private static final Set<ExampleClient> prepared = EnumSet.noneOf(ExampleClient.class);

    /** The CA, server and client certificates and the bearer token, made by taskmasterd itself. */
    private static Path tls;
    /** The TLS listener taking bearer tokens, and the one requiring client certificates. */
    private static String tokenListener;
    private static String mutualListener;

    @BeforeAll
    static void startDaemon() throws Exception {
        env = BinProcess.env(tmp);
        tls = tmp.resolve("tls");
        taskmasterd("tls", "init", tls.toString(), "--host", "127.0.0.1");
        taskmasterd("tls", "client", "alice", "--role", "operator", "--dir", tls.toString());
        String token = taskmasterd("token", "add", "bot", "--role", "viewer", "--file", tls.resolve("tokens").toString()).strip();
        Files.writeString(Files.createFile(tls.resolve("bot.token"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))),
                token + "\n");
        Path config = Files.writeString(tmp.resolve("clients.yaml"), """
                programs:
                  counter:
                    cmd: sh -c 'i=1; while [ $i -le %d ]; do printf "line %%04d of the tail test, padded to be long enough\\n" $i; i=$((i+1)); done; exec sleep 100000'
                  shell:
                    cmd: sh -c 'while read l; do echo "got:$l"; done'
                    tty: true
                  idle:
                    cmd: sleep 100000
                    autostart: false
                  fail:
                    cmd: sh -c 'exit 3'
                    starttime: 0
                    autorestart: false
                  killed:
                    cmd: sh -c 'kill -9 $$$$'
                    starttime: 0
                    autorestart: false
                  ticker:
                    cmd: sleep 100000
                    autostart: false
                    starttime: 0
                server:
                  tokens_file: %2$s/tokens
                  listen:
                    - address: 127.0.0.1:0
                      tls: {cert: %2$s/server.crt, key: %2$s/server.key}
                    - address: 127.0.0.1:0
                      tls: {cert: %2$s/server.crt, key: %2$s/server.key, client_ca: %2$s/ca.crt}
                """.formatted(COUNTER_LINES, tls));
        daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString());
        Path socket = tmp.resolve("run/taskmaster/default.sock");
        BinProcess.await("the daemon's socket", LIMIT, () -> Files.exists(socket) || !daemon.isAlive());
        channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        stub = TaskmasterServiceGrpc.newBlockingStub(channel);
        List<String> listeners = Poll.value("the daemon's answer", LIMIT, () -> {
            try {
                return stub.withDeadlineAfter(10, TimeUnit.SECONDS).getServerInfo(GetServerInfoRequest.getDefaultInstance()).getTcpAddressesList();
            } catch (io.grpc.StatusRuntimeException e) {
                return null; // not listening yet
            }
        });
        assertThat(listeners).hasSize(2);
        tokenListener = listeners.get(0);
        mutualListener = listeners.get(1);
        long counterBytes = LongStream.rangeClosed(1, COUNTER_LINES)
                .map(i -> "line %04d of the tail test, padded to be long enough\n".formatted(i).length()).sum();
        BinProcess.await("every program settled and the counter's output complete", LIMIT, () -> {
            try {
                Map<String, ProcessState> states = processes().stream()
                        .collect(Collectors.toMap(ProcessInfo::getFullName, ProcessInfo::getState));
                return states.get("fail") == ProcessState.PROCESS_STATE_EXITED
                        && states.get("killed") == ProcessState.PROCESS_STATE_EXITED
                        && states.get("shell") == ProcessState.PROCESS_STATE_RUNNING
                        && states.get("counter") == ProcessState.PROCESS_STATE_RUNNING
                        && stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .tailOutput(TailOutputRequest.newBuilder().setName("counter").build()).getNextOffset() == counterBytes;
            } catch (io.grpc.StatusRuntimeException e) {
                return false; // not listening yet
            }
        });
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (daemon != null) {
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        }
    }

    // Contract (ProcessInfo): state, pid ("0 = no process"), uptime ("Unset = not running") and
    // last_exit ("Unset = no process of this instance has ended yet") make the status table.
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void statusTableShowsEveryProcess(ExampleClient client) throws Exception {
        ready(client);
        BinProcess.Result status = run(client, "status");
        assertThat(status.code()).as("exit code; stderr: %s", status.err()).isZero();

        List<List<String>> rows = status.out().lines().map(l -> List.of(l.split(" {2,}"))).toList();
        assertThat(rows.getFirst()).containsExactly("NAME", "STATE", "PID", "UPTIME", "EXIT");
        Map<String, List<String>> byName = rows.stream().skip(1).collect(Collectors.toMap(List::getFirst, r -> r));
        assertThat(byName.keySet()).containsExactlyInAnyOrder("counter", "shell", "idle", "fail", "killed", "ticker");
        for (String running : List.of("counter", "shell")) {
            List<String> row = byName.get(running);
            assertThat(row).as(running).hasSize(5);
            assertThat(row.subList(0, 3)).containsExactly(running, "RUNNING", String.valueOf(pid(running)));
            assertThat(row.get(3)).matches("\\d+:\\d{2}:\\d{2}");
            assertThat(row.get(4)).isEqualTo("-"); // never exited
        }
        assertThat(byName.get("idle")).containsExactly("idle", "STOPPED", "-", "-", "-");
        assertThat(byName.get("fail")).containsExactly("fail", "EXITED", "-", "-", "exit 3 (unexpected)");
        assertThat(byName.get("killed")).containsExactly("killed", "EXITED", "-", "-", "signal KILL (unexpected)");
    }

    // Contract (WatchEventsRequest.from_sequence): "N > 0 = resume: replay every kept event with
    // sequence >= N"; ListProcessesResponse: "call WatchEvents with from_sequence = sequence + 1
    // to follow changes without a gap". The relay breaks the connection five times; events
    // happen while the client is away; it must print every one exactly once, in order.
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void eventsResumeAfterEveryBreakWithNoGapAndNoDuplicate(ExampleClient client) throws Exception {
        ready(client);
        Path relayed = tmp.resolve("relay-" + client.name().toLowerCase() + ".sock");
        try (SocketRelay relay = new SocketRelay(relayed, tmp.resolve("run/taskmaster/default.sock"));
                BinProcess follower = start(client, "--socket", relayed.toString(), "events")) {
            BinProcess.await("the snapshot", LIMIT, () -> follower.stdout().contains("snapshot at #"));
            long snapshot = snapshotSequence(follower.stdout());
            startAndStopTicker();
            awaitLatest(follower);
            for (int round = 1; round <= 5; round++) {
                long before = printed(follower.stdout()).getLast();
                int breaks = count(follower.stderr(), "resuming from #");
                relay.cut();
                BinProcess.await("the client to notice the break (round " + round + ")", LIMIT,
                        () -> count(follower.stderr(), "resuming from #") > breaks || !follower.isAlive());
                assertThat(follower.stderr()).contains("resuming from #" + (before + 1));
                startAndStopTicker(); // while the client is away
                relay.listen();
                startAndStopTicker(); // after it is back
                awaitLatest(follower);
            }
            List<Long> seen = printed(follower.stdout());
            long latest = latestSequence();
            assertThat(seen).as("sequences printed after the snapshot at #%d; stdout:%n%s", snapshot, follower.stdout())
                    .containsExactlyElementsOf(LongStream.rangeClosed(snapshot + 1, latest).boxed().toList());
            // A resume replays: a second snapshot would mean the client started over (or was told
            // it missed events), and could hide a gap.
            assertThat(count(follower.stdout(), "snapshot at #")).as("snapshots in:%n%s", follower.stdout()).isEqualTo(1);
            assertThat(follower.stdout()).doesNotContain("missed events");
            assertThat(follower.isAlive()).as("the follower still runs; stderr: %s", follower.stderr()).isTrue();
        }
    }

    // Contract (TailOutputRequest): offset absent = "the last max_bytes bytes held"; the client
    // reads backwards with offsets until it has the lines asked for.
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void tailPrintsTheLastLines(ExampleClient client) throws Exception {
        ready(client);
        BinProcess.Result few = run(client, "tail", "-n", "3", "counter");
        assertThat(few.code()).as("exit code; stderr: %s", few.err()).isZero();
        assertThat(few.out()).isEqualTo(counterLines(COUNTER_LINES - 2, COUNTER_LINES));

        // 4000 lines are about 220 KB: four reads of 64 KiB, backwards.
        BinProcess.Result many = run(client, "tail", "-n", "4000", "counter");
        assertThat(many.code()).as("exit code; stderr: %s", many.err()).isZero();
        assertThat(many.out()).isEqualTo(counterLines(COUNTER_LINES - 3999, COUNTER_LINES));

        // Contract: TailOutput "NOT_FOUND (no such process)", naming it.
        BinProcess.Result unknown = run(client, "tail", "-n", "3", "nope");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err()).startsWith(scriptName(client) + ": NOT_FOUND: ").contains("\"nope\"");
    }

    // Contract (AttachOutput, SendInput): the first message is AttachStarted with the session id
    // and the input lease; SendInput with that session writes to the program's terminal.
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void attachSendsALineToATtyProgramAndReadsTheAnswer(ExampleClient client) throws Exception {
        ready(client);
        for (int i = 0; i < 3; i++) { // a lease left held by the previous round would refuse this one
            String line = "hello-" + client.name().toLowerCase() + "-" + i;
            BinProcess.Result attach = run(client, "attach", "shell", line);
            assertThat(attach.code()).as("exit code; stderr: %s", attach.err()).isZero();
            assertThat(attach.out()).isEqualTo("got:" + line + "\n");
        }
    }

    // Contract (auth.proto): "Any client can read the option from the service descriptor".
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void rolesComeFromTheRequiredRoleOptionOfEveryRpc(ExampleClient client) throws Exception {
        ready(client);
        String expected = TaskmasterProto.getDescriptor().findServiceByName("TaskmasterService").getMethods().stream()
                .map(m -> m.getName() + " " + m.getOptions().getExtension(AuthProto.requiredRole).name()
                        .substring("ROLE_".length()).toLowerCase() + "\n")
                .collect(Collectors.joining());
        BinProcess.Result roles = run(client, "roles");
        assertThat(roles.code()).as("exit code; stderr: %s", roles.err()).isZero();
        assertThat(roles.out()).isEqualTo(expected).contains("StopProcesses operator\n", "Shutdown admin\n");
    }

    // docs/clients.md: a client checks the socket before dialling it, as taskmasterctl does.
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void refusesASocketOfAnotherUser(ExampleClient client) throws Exception {
        ready(client);
        // Giving a file to another uid takes root (CI runs as root).
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to give the socket to another user");
        Path other = tmp.resolve("other-" + client.name().toLowerCase() + ".sock");
        try (SocketRelay relay = new SocketRelay(other, tmp.resolve("run/taskmaster/default.sock"))) {
            Files.setAttribute(other, "unix:uid", 65534);
            BinProcess.Result status = run(client, "--socket", other.toString(), "status");
            assertThat(status.code()).as("stdout: %s", status.out()).isEqualTo(3);
            assertThat(status.out()).isEmpty();
            assertThat(status.err()).isEqualTo(scriptName(client) + ": refusing " + other + ": " + other
                    + " is owned by uid 65534, not by you (0) or root\n");
        }
    }

    // docs/clients.md, "Remote daemons": TLS trusting the daemon's CA, with a bearer token or a
    // client certificate. Contract (TaskmasterService): PERMISSION_DENIED when "the caller's role
    // does not allow the RPC (or mode); the description names the role needed"; UNAUTHENTICATED
    // when "the caller could not be identified (no or invalid credentials…)".
    @ParameterizedTest
    @EnumSource(ExampleClient.class)
    void remoteOverTlsWithATokenOrAClientCertificate(ExampleClient client) throws Exception {
        ready(client);
        String ca = tls.resolve("ca.crt").toString();
        String token = tls.resolve("bot.token").toString();

        BinProcess.Result status = run(client, "--server", tokenListener, "--ca", ca, "--token-file", token, "status");
        assertThat(status.code()).as("exit code; stderr: %s", status.err()).isZero();
        assertThat(status.out()).startsWith("NAME").containsPattern("(?m)^fail +EXITED +- +- +exit 3 \\(unexpected\\)$");

        // The token is a viewer's: typing into a program needs operator.
        BinProcess.Result viewerAttach = run(client, "--server", tokenListener, "--ca", ca, "--token-file", token, "attach", "shell", "hi");
        assertThat(viewerAttach.code()).isEqualTo(1);
        assertThat(viewerAttach.err()).contains(scriptName(client) + ": PERMISSION_DENIED: ").contains("operator");

        BinProcess.Result anonymous = run(client, "--server", tokenListener, "--ca", ca, "status");
        assertThat(anonymous.code()).isEqualTo(1);
        assertThat(anonymous.err()).contains(scriptName(client) + ": UNAUTHENTICATED: ");

        // alice's certificate says operator: she may type.
        BinProcess.Result alice = run(client, "--server", mutualListener, "--ca", ca, "--cert", tls.resolve("alice.crt").toString(),
                "--key", tls.resolve("alice.key").toString(), "attach", "shell", "from-alice-" + client.name().toLowerCase());
        assertThat(alice.code()).as("exit code; stderr: %s", alice.err()).isZero();
        assertThat(alice.out()).isEqualTo("got:from-alice-" + client.name().toLowerCase() + "\n");

        // A token others may read is refused before anything is sent.
        Path open = Files.copy(tls.resolve("bot.token"), tmp.resolve("open-" + client.name().toLowerCase() + ".token"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        BinProcess.Result refused = run(client, "--server", tokenListener, "--ca", ca, "--token-file", open.toString(), "status");
        assertThat(refused.code()).isEqualTo(3);
        assertThat(refused.err()).isEqualTo(scriptName(client) + ": refusing --token-file " + open
                + ": it is open to others (mode 0644); a secret must be readable by you only\n");
    }

    /** Runs {@code bin/taskmasterd ARGS} to completion, which must succeed, and returns its stdout. */
    private static String taskmasterd(String... args) throws InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "bin/taskmasterd";
        System.arraycopy(args, 0, argv, 1, args.length);
        try (BinProcess p = BinProcess.start(tmp, env, argv)) {
            assertThat(p.waitFor(LIMIT)).as("taskmasterd %s; stderr: %s", String.join(" ", args), p.stderr()).isZero();
            return p.stdout();
        }
    }

    /** Generates the client's code once, or skips (fails on CI) when a tool is missing. */
    private static void ready(ExampleClient client) {
        var missing = client.missing();
        if (missing.isPresent()) {
            String message = "the " + client + " client needs " + missing.get() + "; install: " + client.packages;
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(message);
            }
            Assumptions.abort(message);
        }
        synchronized (prepared) {
            if (prepared.add(client)) {
                try {
                    client.prepare();
                } catch (RuntimeException | Error e) {
                    prepared.remove(client);
                    throw e;
                }
            }
        }
    }

    private static BinProcess start(ExampleClient client, String... args) {
        List<String> argv = new ArrayList<>(client.command(client.out()));
        argv.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.putAll(client.env(client.out()));
        return BinProcess.start(tmp, all, argv.toArray(String[]::new));
    }

    private static BinProcess.Result run(ExampleClient client, String... args) throws InterruptedException {
        try (BinProcess p = start(client, args)) {
            int code = p.waitFor(LIMIT);
            return new BinProcess.Result(code, p.stdout(), p.stderr());
        }
    }

    private static String scriptName(ExampleClient client) {
        return switch (client) {
            case PYTHON -> "taskmaster_client.py";
            case NODE -> "taskmaster-client.js";
            case GO -> "taskmaster-client";
        };
    }

    private static List<ProcessInfo> processes() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS).listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList();
    }

    private static int pid(String name) {
        return processes().stream().filter(p -> p.getFullName().equals(name)).findFirst().orElseThrow().getPid();
    }

    private static long latestSequence() {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS).getServerInfo(GetServerInfoRequest.getDefaultInstance()).getLatestSequence();
    }

    /** Four journal events: ticker STOPPED → STARTING → RUNNING → STOPPING → STOPPED. */
    private static void startAndStopTicker() {
        var s = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
        s.startProcesses(StartProcessesRequest.newBuilder().addTargets("ticker").setWait(true).build());
        s.stopProcesses(StopProcessesRequest.newBuilder().addTargets("ticker").setWait(true).build());
    }

    private static void awaitLatest(BinProcess follower) {
        long latest = latestSequence();
        try {
            BinProcess.await("the follower to print event #" + latest, LIMIT,
                    () -> printed(follower.stdout()).contains(latest) || !follower.isAlive());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertThat(follower.isAlive()).as("the follower still runs; stdout: %s; stderr: %s", follower.stdout(), follower.stderr()).isTrue();
    }

    private static final Pattern EVENT = Pattern.compile("(?m)^#(\\d+) ");
    private static final Pattern SNAPSHOT = Pattern.compile("(?m)^snapshot at #(\\d+): ");

    private static List<Long> printed(String out) {
        List<Long> seq = new ArrayList<>();
        Matcher m = EVENT.matcher(out);
        while (m.find()) {
            seq.add(Long.parseLong(m.group(1)));
        }
        return seq;
    }

    private static long snapshotSequence(String out) {
        Matcher m = SNAPSHOT.matcher(out);
        assertThat(m.find()).as("a snapshot line in %s", out).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static String counterLines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append("line %04d of the tail test, padded to be long enough\n".formatted(i));
        }
        return b.toString();
    }
}
