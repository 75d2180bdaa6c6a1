package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code taskmasterctl events --follow} writes each event to its standard output as it comes,
 * flushed, while the stream stays open (issue 17, §4): scripts read it through a pipe
 * ({@code events --follow --json | jq --unbuffered ...}), where a buffered stdout would hold a
 * line until kilobytes more came, or until the stream ended. The real daemon supervises a real
 * process; each SIGKILL of it must show up as the exit line on the CLI's pipe, read here while
 * the CLI is still running, before the next kill.
 */
class EventsFollowPipeIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final int KILLS = 3;
    private static final Pattern PID = Pattern.compile("\"pid\":\"?(\\d+)");

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    @ParameterizedTest(name = "json={0}")
    @ValueSource(booleans = {true, false})
    void eachExitLineIsOnThePipeWhileTheStreamIsOpen(boolean json) throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  victim:
                    cmd: sleep 100000
                    starttime: 0
                    autorestart: always
                    startretries: -1
                """);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the victim to run", LIMIT, () -> pidOfVictim() > 0);
            List<String> lines = new CopyOnWriteArrayList<>();
            Process cli = follow(json, lines);
            try {
                BinProcess.await("the snapshot on the CLI's pipe", LIMIT, () -> !lines.isEmpty());
                for (int i = 0; i < KILLS; i++) {
                    long pid = pidOfVictim();
                    int before = lines.size();
                    assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();
                    BinProcess.await("the exit line of pid " + pid + " on the CLI's pipe (lines so far: " + lines + ")", LIMIT,
                            () -> lines.subList(before, lines.size()).stream().anyMatch(l -> exitLine(l, pid, json)));
                    // Read from the pipe while the follow goes on: the line did not wait for the stream's end.
                    assertThat(cli.isAlive()).as("the follower is still following").isTrue();
                    BinProcess.await("a new victim after pid " + pid, LIMIT, () -> {
                        long now = pidOfVictim();
                        return now > 0 && now != pid;
                    });
                }
            } finally {
                cli.destroyForcibly();
                cli.waitFor();
            }
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    private static boolean exitLine(String line, long pid, boolean json) {
        if (!json) {
            return line.contains("victim RUNNING -> EXITED");
        }
        if (!line.contains("\"toState\":\"EXITED\"")) {
            return false;
        }
        Matcher m = PID.matcher(line);
        while (m.find()) {
            if (Long.parseLong(m.group(1)) == pid) {
                return true;
            }
        }
        return false;
    }

    /** The CLI with its stdout on a pipe, read line by line on a thread of its own into {@code lines}. */
    private Process follow(boolean json, List<String> lines) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of(BinProcess.REPO.resolve("bin/taskmasterctl").toString(),
                "events", "--follow"));
        if (json) {
            argv.add("--json");
        }
        argv.add("victim");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(BinProcess.REPO.toFile())
                .redirectError(tmp.resolve("follow.err").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env());
        Process p = pb.start();
        Thread.ofPlatform().daemon().name("follow-reader").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return p;
    }

    /** The victim's pid as the daemon reports it ({@code taskmasterctl pid victim}), or -1. */
    private long pidOfVictim() {
        try {
            BinProcess.Result r = BinProcess.ctl(tmp, env(), LIMIT, "pid", "victim");
            String out = r.out().strip();
            return r.code() == 0 && out.matches("\\d+") ? Long.parseLong(out) : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
