package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion scripts of {@code taskmasterctl completion bash|zsh|fish}, run by the real
 * shells against the real bin/taskmasterctl and bin/taskmasterd (issue 16: the old bash script
 * completed nothing but "generate-completion"). bash: the script is sourced, COMP_WORDS and
 * COMP_CWORD are set as bash sets them (split at ':' and '='), the function is called and
 * COMPREPLY is read back. fish: its own {@code complete -C}. zsh: the function is called with
 * {@code words}/{@code CURRENT} set and {@code compadd} recording what it is given. zsh and fish
 * are installed by .ci/run; elsewhere their tests are skipped without them (failing under CI=true).
 */
class CompletionIT {

    static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    private static BinProcess daemon;
    /** A directory on PATH holding {@code taskmasterctl}, a symlink to bin/taskmasterctl, as an install has it. */
    private static Path binDir;

    @BeforeAll
    static void aDaemonWithAGroupAndScripts() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  web:
                    cmd: sleep 1000
                    numprocs: 2
                    starttime: 0
                  db:
                    cmd: sleep 1000
                    starttime: 0
                    group: data
                  cache:
                    cmd: sleep 1000
                    starttime: 0
                    group: data
                """);
        daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        BinProcess.await("every process RUNNING", LIMIT, () -> {
            try {
                return BinProcess.ctl(tmp, env(), LIMIT, "status").code() == 0;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        binDir = Files.createDirectories(tmp.resolve("bin"));
        Files.createSymbolicLink(binDir.resolve("taskmasterctl"), BinProcess.REPO.resolve("bin/taskmasterctl"));
        for (String shell : List.of("bash", "zsh", "fish")) {
            BinProcess.Result r = BinProcess.ctl(tmp, env(), LIMIT, "completion", shell);
            assertThat(r.code()).as(r.err()).isZero();
            Files.writeString(tmp.resolve("completion." + shell), r.out());
        }
    }

    @AfterAll
    static void stopTheDaemon() throws InterruptedException {
        if (daemon != null) {
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    /** A Tab's wait for names raised from 3 s: a loaded machine may start the JVM and connect slower than that. */
    private static Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1", "TASKMASTER_COMPLETION_TIMEOUT", "30s");
    }

    /**
     * What bash's completion offers for {@code words} with the cursor at the end of the last one:
     * COMP_WORDS as bash splits a line (':' and '=' are words of their own).
     */
    private static List<String> bash(String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w.replace("'", "'\\''")).append('\'');
        }
        String script = "source '" + tmp.resolve("completion.bash") + "'\n"
                + "complete -p taskmasterctl >/dev/null || exit 9\n"
                + "COMP_WORDS=(" + array + ")\nCOMP_CWORD=" + (words.length - 1) + "\n"
                + "_taskmasterctl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        return run(List.of("bash", "--norc", "--noprofile", "-c", script));
    }

    private static List<String> run(List<String> command) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env());
        pb.environment().put("PATH", binDir + ":" + System.getenv("PATH"));
        Process p = pb.start();
        try {
            assertThat(p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).as("%s ended", command).isTrue();
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("%s: %s", command.getFirst(), stderr).isZero();
            assertThat(stderr).as("nothing on stderr during completion").isEmpty();
            return Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> !l.isEmpty()).toList();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void bashCompletesVerbsOptionsSignalsAndTheDaemonsNames() throws Exception {
        assertThat(bash("taskmasterctl", "sta")).containsExactly("status", "start");
        assertThat(bash("taskmasterctl", "")).contains("status", "restart", "clear", "avail", "completion", "attach")
                .doesNotContain("exit", "reread", "__complete", "generate-completion");
        assertThat(bash("taskmasterctl", "restart", "--no")).containsExactly("--no-wait");
        assertThat(bash("taskmasterctl", "signal", "usr")).containsExactly("usr1", "usr2");
        assertThat(bash("taskmasterctl", "signal", "K")).containsExactly("KILL");
        assertThat(bash("taskmasterctl", "stop", "")).containsExactlyInAnyOrder("all", "web:0", "web:1", "web", "web:*",
                "db", "cache", "data:*", "data");
        assertThat(bash("taskmasterctl", "stop", "d")).containsExactlyInAnyOrder("db", "data:*", "data");
        assertThat(bash("taskmasterctl", "tail", "")).containsExactlyInAnyOrder("web:0", "web:1", "db", "cache");
        assertThat(bash("taskmasterctl", "completion", "")).containsExactly("bash", "zsh", "fish");
    }

    @Test
    void bashReplacesOnlyWhatFollowsAColonAsBashDoes() throws Exception {
        // "tail web:<Tab>": bash's words are tail, web, ':'; what it inserts follows the colon.
        assertThat(bash("taskmasterctl", "tail", "web", ":")).containsExactly("0", "1");
        assertThat(bash("taskmasterctl", "stop", "web", ":", "1")).containsExactly("1");
        assertThat(bash("taskmasterctl", "stop", "data", ":")).containsExactly("*");
        // --timeout=5s is one option to taskmasterctl, three words to bash.
        assertThat(bash("taskmasterctl", "--timeout", "=", "5s", "sto")).containsExactly("stop");
    }

    @Test
    void bashCompletesFileNamesWhereAFileFits() throws Exception {
        Files.createFile(tmp.resolve("programs.yaml"));
        assertThat(bash("taskmasterctl", "add", "-f", tmp + "/progr")).containsExactly(tmp + "/programs.yaml");
    }

    @Test
    void withoutADaemonNamesAreSimplyAbsentAtOnceAndSilently() throws Exception {
        long started = System.nanoTime();
        assertThat(bash("taskmasterctl", "-i", "nobody", "stop", "")).isEmpty();
        assertThat(bash("taskmasterctl", "--socket", tmp + "/none.sock", "tail", "w")).isEmpty();
        // Still the verbs: they need no daemon.
        assertThat(bash("taskmasterctl", "-i", "nobody", "pa")).containsExactly("pause");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("three Tabs without a daemon").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void fishCompletesThroughItsOwnEngine() throws Exception {
        require("fish");
        String source = "source '" + tmp.resolve("completion.fish") + "'; ";
        List<String> verbs = run(List.of("fish", "--no-config", "-c", source + "complete -C 'taskmasterctl sta'"));
        // fish sorts candidates itself, and shows each one's description.
        assertThat(verbs).extracting(l -> l.split("\t")[0]).containsExactlyInAnyOrder("status", "start");
        assertThat(verbs).anySatisfy(l -> assertThat(l).startsWith("status\tShow the state of processes"));
        assertThat(run(List.of("fish", "--no-config", "-c", source + "complete -C 'taskmasterctl stop '")))
                .extracting(l -> l.split("\t")[0]).contains("all", "web:0", "data", "data:*");
        assertThat(run(List.of("fish", "--no-config", "-c", source + "complete -C 'taskmasterctl signal usr'")))
                .extracting(l -> l.split("\t")[0]).containsExactlyInAnyOrder("usr1", "usr2");
    }

    @Test
    void zshCompletesThroughItsFunction() throws Exception {
        require("zsh");
        // compadd and _files exist only inside zsh's completion widgets: stand-ins print what they get.
        String stubs = "compadd() { local a; for a in \"$@\"; do :; done; print -rl -- \"${(@P)a}\"; }\n"
                + "_files() { print -r -- FILES; }\ncompdef() { print -r -- \"compdef $*\"; }\n";
        String call = stubs + "source '" + tmp.resolve("completion.zsh") + "'\n";
        assertThat(run(List.of("zsh", "-f", "-c", call))).containsExactly("compdef _taskmasterctl taskmasterctl");
        assertThat(run(List.of("zsh", "-f", "-c", call + "words=(taskmasterctl sta); CURRENT=2; _taskmasterctl")))
                .containsExactly("compdef _taskmasterctl taskmasterctl", "status", "start");
        assertThat(run(List.of("zsh", "-f", "-c", call + "words=(taskmasterctl tail web:); CURRENT=3; _taskmasterctl")))
                .containsExactly("compdef _taskmasterctl taskmasterctl", "web:0", "web:1");
        assertThat(run(List.of("zsh", "-f", "-c", call + "words=(taskmasterctl add -f ''); CURRENT=4; _taskmasterctl")))
                .containsExactly("compdef _taskmasterctl taskmasterctl", "FILES");
    }

    /** zsh and fish are test tools .ci/run installs: required in CI, else the test is skipped saying what to install. */
    private static void require(String shell) throws InterruptedException {
        boolean present;
        try {
            Process p = new ProcessBuilder(shell, "-c", "exit 0").redirectErrorStream(true).start();
            present = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException notInstalled) {
            present = false;
        }
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(shell + " is not installed, and CI=true: .ci/run installs it (apt-get install -y " + shell + ")");
        }
        Assumptions.assumeTrue(present, shell + " is not installed: apt-get install -y " + shell + " to test its completion script");
    }
}
