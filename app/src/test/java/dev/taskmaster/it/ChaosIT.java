package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ConfigReloaded;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProcessStateChanged;
import dev.taskmaster.proto.v1.ProgramChange;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.testkit.Poll;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cheap part of the chaos suite (issue 11; all of it is {@code bench/chaos}), as tests
 * against the real daemon: a kill storm and a reload storm, with exact counts. Each program
 * appends its pid to {@code NAME.starts} when it starts, so the test knows every process that
 * ever ran without asking the daemon; the daemon's own account comes from its event stream,
 * recorded from its first event on, and from ListProcesses.
 */
class ChaosIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp);
    }

    /** A program that appends its pid to DIR/FILE.starts and then sleeps, with {@code extra} keys. */
    private String program(String name, String file, String extra) {
        return "  " + name + ":\n    cmd: \"sh -c 'echo $$$$ >> " + tmp + "/" + file + ".starts; exec sleep 1000000'\"\n"
                + "    starttime: 0\n" + extra;
    }

    private List<Long> starts(String file) {
        try {
            Path p = tmp.resolve(file + ".starts");
            return Files.exists(p) ? Files.readAllLines(p).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Written beside and renamed over: a reload never reads half a file. */
    private void writeAtomically(Path config, String text) throws IOException {
        Path next = config.resolveSibling(config.getFileName() + ".new");
        Files.writeString(next, text);
        Files.move(next, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean isChildOf(long pid, long parent) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == parent;
    }

    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    @Test
    void everySigkillOfAStormIsOneExitEventAndOneRestart() throws Exception {
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "victim" + i).toList();
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n" + names.stream()
                .map(n -> program(n, n, "    autorestart: always\n    startretries: -1\n    backoff: {reset_after: 0}\n")).collect(Collectors.joining()));
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
             Events events = Events.follow(tmp.resolve("run/taskmaster/default.sock"))) {
            BinProcess.await("every victim RUNNING", LIMIT, () -> names.stream().allMatch(n -> events.state(n) == ProcessState.PROCESS_STATE_RUNNING));
            Map<String, List<Long>> killed = new LinkedHashMap<>();
            names.forEach(n -> killed.put(n, new ArrayList<>()));
            Set<Long> all = new HashSet<>();
            // Three rounds of 100 SIGKILLs, as fast as processes come back; the counts must be exact after each.
            for (int round = 1; round <= 3; round++) {
                int target = round * 100;
                while (all.size() < target) {
                    BinProcess.await("a RUNNING victim not killed yet", LIMIT, () -> names.stream().anyMatch(n -> killable(n, events, all, daemon) > 0));
                    for (String n : names) {
                        long pid = all.size() < target ? killable(n, events, all, daemon) : 0;
                        // destroyForcibly is SIGKILL; the pid was checked to be the daemon's child just now.
                        if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                            all.add(pid);
                            killed.get(n).add(pid);
                        }
                    }
                }
                // RUNNING comes at once (starttime 0), the program's own record of its start a moment later.
                BinProcess.await("every victim RUNNING again after round " + round, LIMIT, () -> names.stream().allMatch(n ->
                        events.state(n) == ProcessState.PROCESS_STATE_RUNNING && !all.contains(events.pid(n))
                                && starts(n).contains(events.pid(n))));
                assertExactAccount(events, killed, all, daemon);
            }
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
            for (String n : names) {
                for (long pid : starts(n)) {
                    assertThat(running(pid)).as("%s pid %d after shutdown", n, pid).isFalse();
                }
            }
        }
    }

    /**
     * The pid of {@code name}'s process if it may be killed now, else 0: RUNNING by the events, not
     * killed yet, the daemon's child, and it has recorded its start (killed before its echo, it
     * would leave no trace of its own to count).
     */
    private long killable(String name, Events events, Set<Long> killed, BinProcess daemon) {
        Events.Seen seen = events.seen(name);
        long pid = seen.pid();
        boolean ok = seen.state() == ProcessState.PROCESS_STATE_RUNNING && pid > 0 && !killed.contains(pid)
                && isChildOf(pid, daemon.pid()) && starts(name).contains(pid);
        return ok ? pid : 0;
    }

    /** Every kill is exactly one exit event "killed by signal 9", one restart and one new start; nothing else died. */
    private void assertExactAccount(Events events, Map<String, List<Long>> killed, Set<Long> all, BinProcess daemon) {
        Map<Long, List<ExitInfo>> exits = new HashMap<>();
        for (ProcessStateChanged change : events.changes()) {
            if (change.hasExit()) {
                exits.computeIfAbsent((long) change.getExit().getPid(), p -> new ArrayList<>()).add(change.getExit());
            }
        }
        assertThat(exits.keySet()).as("pids whose exit was reported").isEqualTo(all);
        for (long pid : all) {
            assertThat(exits.get(pid)).as("exits of pid %d", pid).hasSize(1);
            assertThat(exits.get(pid).getFirst().getKilled().getSignalNumber()).as("signal of pid %d", pid).isEqualTo(9);
        }
        Map<String, ProcessInfo> status = events.status();
        for (Map.Entry<String, List<Long>> e : killed.entrySet()) {
            String name = e.getKey();
            ProcessInfo info = status.get(name);
            List<Long> started = starts(name);
            assertThat(info.getState()).as(name).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
            assertThat(info.getRestartCount()).as("restart count of %s", name).isEqualTo(e.getValue().size());
            assertThat(started).as("starts of %s", name).hasSize(e.getValue().size() + 1);
            assertThat((long) info.getPid()).as("pid of %s", name).isEqualTo(started.getLast());
            assertThat(isChildOf(info.getPid(), daemon.pid())).as("%s runs under the daemon", name).isTrue();
            assertThat(started.subList(0, started.size() - 1)).as("the killed %s", name).isEqualTo(e.getValue());
        }
    }

    @Test
    void aStormOfSighupsLeavesUnchangedProgramsAloneAndEndsInTheLastFilesState() throws Exception {
        List<String> keep = IntStream.range(0, 8).mapToObj(i -> "keep" + i).toList();
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, reloadConfig(keep, 1));
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
             Events events = Events.follow(tmp.resolve("run/taskmaster/default.sock"))) {
            List<String> first = new ArrayList<>(keep);
            first.add("flip");
            BinProcess.await("every program RUNNING", LIMIT, () -> first.stream().allMatch(n -> events.state(n) == ProcessState.PROCESS_STATE_RUNNING));
            Map<String, Long> pids = new HashMap<>();
            keep.forEach(n -> pids.put(n, events.pid(n)));
            int sighups = 50;
            int version = 1;
            for (int i = 0; i < sighups; i++) {
                // Two SIGHUPs in a row read the same file: half the reloads change nothing.
                int v = (i / 2) % 2;
                if (v != version) {
                    writeAtomically(config, reloadConfig(keep, v));
                    version = v;
                }
                assertThat(new ProcessBuilder("kill", "-HUP", String.valueOf(daemon.pid())).start().waitFor()).isZero();
            }
            int last = version;
            Set<String> expected = new HashSet<>(first);
            if (last == 0) {
                expected.add("toggle");
            }
            BinProcess.await("the state of the last file", LIMIT, () -> {
                Map<String, ProcessInfo> s = events.status();
                List<Long> flips = starts("flip-" + last);
                return s.keySet().equals(expected) && s.values().stream().allMatch(p -> p.getState() == ProcessState.PROCESS_STATE_RUNNING)
                        && !flips.isEmpty() && s.get("flip").getPid() == flips.getLast();
            });
            Map<String, ProcessInfo> status = events.status();
            for (String n : keep) {
                assertThat(starts(n)).as("starts of the unchanged %s", n).containsExactly(pids.get(n));
                assertThat((long) status.get(n).getPid()).as("pid of %s", n).isEqualTo(pids.get(n));
                assertThat(isChildOf(pids.get(n), daemon.pid())).as("%s still runs under the daemon", n).isTrue();
            }
            List<ConfigReloaded> reloads = events.reloads();
            assertThat(reloads).as("reloads applied").hasSizeBetween(1, sighups);
            for (ConfigReloaded r : reloads) {
                Set<String> touched = new HashSet<>(r.getDiff().getAddedProgramsList());
                touched.addAll(r.getDiff().getRemovedProgramsList());
                r.getDiff().getChangedProgramsList().stream().map(ProgramChange::getProgram).forEach(touched::add);
                r.getDiff().getUpdatedProgramsList().stream().map(ProgramChange::getProgram).forEach(touched::add);
                assertThat(touched).as("programs a reload touched").doesNotContainAnyElementsOf(keep);
            }
            // Every flip and toggle process but the current ones is gone.
            Set<Long> current = status.values().stream().map(p -> (long) p.getPid()).collect(Collectors.toSet());
            for (String file : List.of("flip-0", "flip-1", "toggle")) {
                for (long pid : starts(file)) {
                    if (!current.contains(pid)) {
                        BinProcess.await("replaced pid " + pid + " to be gone", LIMIT, () -> !running(pid));
                    }
                }
            }
            assertThat(Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"))).doesNotContain("configuration rejected");
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    /** Version v (0 or 1) of the reload storm's file: flip runs another command in each, toggle exists in 0 only. */
    private String reloadConfig(List<String> keep, int v) {
        StringBuilder b = new StringBuilder("programs:\n");
        keep.forEach(n -> b.append(program(n, n, "")));
        b.append(program("flip", "flip-" + v, ""));
        if (v == 0) {
            b.append(program("toggle", "toggle", ""));
        }
        return b.toString();
    }

    /**
     * The daemon's event stream from its first event on (WatchEvents from sequence 1), recorded
     * as it comes, and its ListProcesses. Callbacks run on gRPC's executor; readers take
     * snapshots under the lock.
     */
    static final class Events implements AutoCloseable, StreamObserver<WatchEventsResponse> {
        private final ManagedChannel channel;
        private final List<Event> events = new ArrayList<>();
        private final Map<String, ProcessInfo> latest = new HashMap<>();
        private volatile Throwable error;

        private Events(ManagedChannel channel) {
            this.channel = channel;
        }

        static Events follow(Path socket) {
            Poll.until("the daemon's socket", LIMIT, () -> Files.exists(socket));
            Events e = new Events(Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build());
            // Wait for ready: the socket file exists a moment before the daemon listens on it.
            TaskmasterServiceGrpc.newStub(e.channel).withWaitForReady()
                    .watchEvents(WatchEventsRequest.newBuilder().setFromSequence(1).build(), e);
            return e;
        }

        @Override
        public synchronized void onNext(WatchEventsResponse r) {
            if (r.hasEventsMissed()) {
                error = new AssertionError("the event stream missed events: " + r.getEventsMissed());
            }
            if (r.hasEvent()) {
                events.add(r.getEvent());
                if (r.getEvent().hasProcessStateChanged()) {
                    ProcessInfo p = r.getEvent().getProcessStateChanged().getProcess();
                    latest.put(p.getFullName(), p);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }

        private void check() {
            if (error != null) {
                throw new AssertionError("event stream: " + error, error);
            }
        }

        /** A process's state and pid as of its latest event, read together. */
        record Seen(ProcessState state, long pid) {}

        synchronized Seen seen(String name) {
            check();
            ProcessInfo p = latest.get(name);
            return p == null ? new Seen(ProcessState.PROCESS_STATE_UNSPECIFIED, 0) : new Seen(p.getState(), p.getPid());
        }

        synchronized ProcessState state(String name) {
            check();
            ProcessInfo p = latest.get(name);
            return p == null ? ProcessState.PROCESS_STATE_UNSPECIFIED : p.getState();
        }

        synchronized long pid(String name) {
            ProcessInfo p = latest.get(name);
            return p == null ? 0 : p.getPid();
        }

        synchronized List<ProcessStateChanged> changes() {
            check();
            return events.stream().filter(Event::hasProcessStateChanged).map(Event::getProcessStateChanged).toList();
        }

        synchronized List<ConfigReloaded> reloads() {
            check();
            return events.stream().filter(Event::hasConfigReloaded).map(Event::getConfigReloaded).toList();
        }

        /** ListProcesses now, by full name. */
        Map<String, ProcessInfo> status() {
            return TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList().stream()
                    .collect(Collectors.toMap(ProcessInfo::getFullName, p -> p));
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
