package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.taskmaster.proto.v1.ProcessInfo;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --json} of the real bin/taskmasterctl against the real bin/taskmasterd, used as scripts
 * use it: processes in every state a script meets (running, exited with a code, killed by a
 * signal, FATAL, never started) have the same keys, null where nothing happened, numbers and
 * prefix-less states; and the jq programs of docs/cli.md ("JSON output") give the right answers
 * through a real pipe. jq is installed by .ci/run; elsewhere its test is skipped without it.
 */
class JsonCliIT {

    static final Duration LIMIT = Duration.ofSeconds(60);

    /** One daemon for the class: its processes settle in their states once. */
    @TempDir
    static Path tmp;

    private static BinProcess daemon;

    private static Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private static BinProcess.Result ctl(String... args) throws InterruptedException {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    @BeforeAll
    static void daemonWithProcessesInEveryState() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  web:
                    cmd: sleep 1000
                    numprocs: 2
                    starttime: 0
                  job:
                    cmd: sh -c 'exit 3'
                    starttime: 0
                    autorestart: never
                  killed:
                    cmd: sh -c 'kill -9 $$$$'   # $$$$: the shell sees $$, its own pid
                    starttime: 0
                    autorestart: never
                  broken:
                    cmd: /nonexistent/program
                    startretries: 0
                  later:
                    cmd: sleep 1000
                    autostart: false
                """);
        daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        Map<String, String> wanted = Map.of("web:0", "RUNNING", "web:1", "RUNNING", "job", "EXITED", "killed", "EXITED",
                "broken", "FATAL", "later", "STOPPED");
        BinProcess.await("every process in its state", LIMIT, () -> {
            try {
                BinProcess.Result r = ctl("status", "--json");
                return r.out().startsWith("{") && states(object(r.out())).equals(wanted);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterAll
    static void shutdown() throws InterruptedException {
        if (daemon != null) {
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    @Test
    void statusJsonHasEveryKeyInEveryStateAndValuesOfTheirDocumentedTypes() throws Exception {
        BinProcess.Result r = ctl("status", "--json");
        assertThat(r.code()).as("some process is not RUNNING: 3, as without --json").isEqualTo(3);
        assertThat(r.out().lines().count()).as("one line").isEqualTo(1);
        JsonObject status = object(r.out());
        assertThat(status.keySet()).containsExactly("processes", "journalId", "sequence");
        assertThat(status.get("sequence").getAsJsonPrimitive().isNumber()).isTrue();

        List<String> keys = ProcessInfo.getDescriptor().getFields().stream().map(FieldDescriptor::getJsonName).toList();
        Map<String, JsonObject> byName = new HashMap<>();
        for (JsonElement p : status.getAsJsonArray("processes")) {
            assertThat(p.getAsJsonObject().keySet()).as("the keys of %s", p).containsExactlyElementsOf(keys);
            byName.put(p.getAsJsonObject().get("fullName").getAsString(), p.getAsJsonObject());
        }

        JsonObject ok = byName.get("web:0");
        assertThat(ok.get("pid").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(ok.get("pid").getAsLong()).isEqualTo(Long.parseLong(ctl("pid", "web:0").out().strip()));
        assertThat(ok.get("uptime").getAsJsonPrimitive().isNumber()).as("a Duration is a number of seconds").isTrue();
        assertThat(ok.get("startTime").getAsString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        assertThat(ok.get("lastExit").isJsonNull()).as("it never exited").isTrue();

        JsonObject done = byName.get("job").getAsJsonObject("lastExit");
        assertThat(done.getAsJsonObject("exited").get("code").getAsInt()).isEqualTo(3);
        assertThat(done.get("killed").isJsonNull()).isTrue();
        assertThat(done.get("expected").getAsBoolean()).isFalse();

        JsonObject killed = byName.get("killed").getAsJsonObject("lastExit");
        assertThat(killed.get("exited").isJsonNull()).isTrue();
        assertThat(killed.getAsJsonObject("killed").get("signalNumber").getAsInt()).isEqualTo(9);
        assertThat(killed.getAsJsonObject("killed").get("signalName").getAsString()).isEqualTo("KILL");

        JsonObject broken = byName.get("broken");
        assertThat(broken.get("spawnError").getAsString()).contains("/nonexistent/program");
        assertThat(broken.get("pid").getAsInt()).isZero();

        JsonObject later = byName.get("later");
        assertThat(later.get("lastExit").isJsonNull()).isTrue();
        assertThat(later.get("startTime").isJsonNull()).isTrue();

        JsonObject info = object(ctl("info", "--json").out());
        assertThat(info.get("pid").getAsLong()).isEqualTo(daemon.pid());
        assertThat(info.get("callerRole").getAsString()).as("root on the Unix socket").isEqualTo("ADMIN");
        assertThat(info.get("latestSequence").getAsJsonPrimitive().isNumber()).isTrue();
    }

    @Test
    void theJqExamplesOfTheDocsAnswerRight() throws Exception {
        requireJq();
        String docs = Files.readString(BinProcess.REPO.resolve("docs/cli.md"));
        String fatal = ".processes[] | select(.state == \"FATAL\") | .fullName";
        String pid = ".processes[] | select(.fullName == \"web:0\") | .pid";
        String exitCode = ".processes[] | select(.lastExit.exited.code != null and .lastExit.expected == false)"
                + " | \"\\(.fullName) \\(.lastExit.exited.code)\"";
        String signal = ".processes[] | select(.lastExit.killed != null) | \"\\(.fullName) SIG\\(.lastExit.killed.signalName)\"";
        String upAnHour = ".processes[] | select(.uptime != null and .uptime > 3600) | .fullName";
        String changes = "select(.event.processStateChanged != null) | .event | \"\\(.processStateChanged.process.fullName)"
                + " \\(.processStateChanged.fromState) -> \\(.processStateChanged.toState)\"";
        String unixTime = ".startTime | sub(\"\\\\.[0-9]+\"; \"\") | fromdate";
        for (String program : List.of(fatal, pid, exitCode, signal, upAnHour)) {
            assertThat(docs).as("docs/cli.md shows it").contains("| jq -r '" + program + "'");
        }
        assertThat(docs).contains("| jq -r --unbuffered '" + changes + "'").contains("| jq -r .callerRole");
        assertThat(docs).contains("`" + unixTime + "`");

        assertThat(pipe("status --json", "-r", fatal)).as("through a real pipe").isEqualTo("broken\n");
        // The others on one answer each (a taskmasterctl run is slow on a loaded machine).
        String status = ctl("status", "--json").out();
        assertThat(jq(status, "-r", pid)).isEqualTo(ctl("pid", "web:0").out());
        assertThat(jq(status, "-r", exitCode)).isEqualTo("job 3\n");
        assertThat(jq(status, "-r", signal)).isEqualTo("killed SIGKILL\n");
        assertThat(jq(status, "-r", upAnHour)).as("nothing is up for an hour yet").isEmpty();
        assertThat(jq(status, "-r", upAnHour.replace("> 3600", ">= 0"))).isEqualTo("web:0\nweb:1\n");
        assertThat(jq(ctl("info", "--json").out(), "-r", ".callerRole")).isEqualTo("ADMIN\n");
        assertThat(jq(ctl("events", "--since", "1", "--json").out(), "-r", "--unbuffered", changes))
                .containsPattern("(?m)^job [A-Z]+ -> EXITED$").containsPattern("(?m)^broken [A-Z]+ -> FATAL$");
        long startedAt = Long.parseLong(jq(status, "-r", ".processes[] | select(.fullName == \"web:0\") | " + unixTime).strip());
        assertThat(startedAt).as("web:0 started in the last hour").isBetween(System.currentTimeMillis() / 1000 - 3600,
                System.currentTimeMillis() / 1000 + 1);
    }

    /** {@code jq ARGS...} on {@code input}; its standard output. */
    private static String jq(String input, String... jqArgs) throws Exception {
        Path in = Files.writeString(Files.createTempFile(tmp, "jq", ".json"), input);
        List<String> argv = new java.util.ArrayList<>(List.of("jq"));
        argv.addAll(List.of(jqArgs));
        return run(new ProcessBuilder(argv).redirectInput(in.toFile()), jqArgs);
    }

    /** {@code bin/taskmasterctl VERB | jq ARGS...} through a real pipe; jq's standard output. */
    private static String pipe(String verb, String... jqArgs) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("sh", "-c", "\"$0\" " + verb + " | jq \"$@\"",
                BinProcess.REPO.resolve("bin/taskmasterctl").toString()));
        argv.addAll(List.of(jqArgs));
        return run(new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))), jqArgs);
    }

    private static String run(ProcessBuilder pb, String... jqArgs) throws Exception {
        Path err = Files.createTempFile(tmp, "jq", ".err");
        pb.directory(tmp.toFile()).redirectError(err.toFile()).environment().putAll(env());
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).as("jq ended").isTrue();
            assertThat(p.exitValue()).as("jq %s: %s", List.of(jqArgs), Files.readString(err)).isZero();
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    /** jq is a test tool .ci/run installs: required in CI, else the test is skipped saying what to install. */
    private static void requireJq() throws InterruptedException {
        boolean present;
        try {
            Process p = new ProcessBuilder("jq", "--version").redirectErrorStream(true).start();
            present = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException notInstalled) {
            present = false;
        }
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("jq is not installed (or not on PATH), and CI=true: .ci/run installs it (apt-get install -y jq)");
        }
        Assumptions.assumeTrue(present, "jq is not installed: apt-get install -y jq to run the jq examples of docs/cli.md");
    }

    /** Each process's state, by name. */
    private static Map<String, String> states(JsonObject status) {
        Map<String, String> states = new HashMap<>();
        for (JsonElement p : status.getAsJsonArray("processes")) {
            states.put(p.getAsJsonObject().get("fullName").getAsString(), p.getAsJsonObject().get("state").getAsString());
        }
        return states;
    }

    /** One line of strict JSON (Gson, on the classpath through grpc-core). */
    private static JsonObject object(String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            return JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
