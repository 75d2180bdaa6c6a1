package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterd import-supervisord} against the real supervisord: one configuration runs
 * under supervisord, then its import runs under bin/taskmasterd, and both must give the same
 * processes (group and name) writing the same output (commands, expansions, environment and
 * working directory as supervisord made them). supervisord comes from Debian's
 * {@code supervisor} package (.ci/run installs it).
 */
class ImportSupervisordIT {

    static final Duration LIMIT = Duration.ofSeconds(40);
    private static final Path SUPERVISORD = Path.of("/usr/bin/supervisord");

    @TempDir
    Path tmp;

    @Test
    void theImportRunsTheSameProcessesWithTheSameOutputAsSupervisord() throws Exception {
        assumeTrue(Files.isExecutable(SUPERVISORD) || "true".equals(System.getenv("CI")),
                "supervisord is not installed (apt-get install supervisor); CI installs it");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.createDirectories(tmp.resolve("conf.d"));
        Files.writeString(tmp.resolve("conf.d/pool.conf"), """
                [program:pool]
                command=sh -c 'echo "pool %(process_num)d of %(numprocs)d in $PWD as $ROLE"; exec sleep 1000'
                process_name=%(program_name)s_%(process_num)02d
                numprocs=2
                directory=%(here)s
                environment=ROLE="worker %(process_num)d"
                stdout_logfile=%(ENV_OUT)s/%(program_name)s_%(process_num)02d.log
                """);
        Path conf = tmp.resolve("supervisord.conf");
        Files.writeString(conf, """
                [unix_http_server]
                file=%(here)s/supervisor.sock

                [supervisord]
                nodaemon=true
                logfile=%(here)s/supervisord.log
                pidfile=%(here)s/supervisord.pid
                childlogdir=%(here)s
                environment=GREETING="hello, world"

                [rpcinterface:supervisor]
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

                [supervisorctl]
                serverurl=unix://%(here)s/supervisor.sock

                [program:echoer]
                command=/bin/sh -c 'echo "%(program_name)s in %(group_name)s says $GREETING from $PWD"; exec sleep 1000'
                directory=WORK
                stdout_logfile=%(ENV_OUT)s/echoer.log
                startsecs=0

                [program:silent]
                command=sleep 1000
                stdout_logfile=NONE
                stderr_logfile=NONE

                [group:tools]
                programs=echoer,silent

                [include]
                files = conf.d/*.conf
                """.replace("WORK", work.toString()));
        Map<String, String> envWithOut = BinProcess.env(tmp, "OUT", out.toString(), "NO_COLOR", "1");

        // 1. supervisord itself.
        Map<String, String> supervisordOutput;
        Set<String> supervisordNames;
        try (BinProcess sd = BinProcess.start(tmp, envWithOut, SUPERVISORD.toString(), "-n", "-c", conf.toString())) {
            String[] status = new String[1];
            BinProcess.await("supervisord to run 4 processes", LIMIT, () -> {
                status[0] = supervisorctl(conf, envWithOut);
                return status[0].lines().filter(l -> l.contains("RUNNING")).count() == 4;
            });
            supervisordNames = status[0].lines().map(l -> l.split("\\s+")[0]).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            supervisordOutput = awaitOutput(out, 3);
            List<ProcessHandle> children = ProcessHandle.of(sd.pid()).map(h -> h.descendants().toList()).orElse(List.of());
            ProcessHandle.of(sd.pid()).ifPresent(ProcessHandle::destroy);
            assertThat(sd.waitFor(LIMIT)).as(sd.stderr()).isZero();
            for (ProcessHandle child : children) {
                BinProcess.await("supervisord's child " + child.pid() + " to end", LIMIT, () -> !child.isAlive());
            }
        }
        assertThat(supervisordNames).containsExactly("pool:pool_00", "pool:pool_01", "tools:echoer", "tools:silent");
        assertThat(supervisordOutput.get("echoer.log")).isEqualTo("echoer in tools says hello, world from " + work + "\n");
        assertThat(supervisordOutput.get("pool_01.log")).isEqualTo("pool 1 of 2 in " + tmp.resolve("conf.d") + " as worker 1\n");
        try (var files = Files.list(out)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }

        // 2. The import, run by taskmasterd.
        Path yaml = tmp.resolve("taskmaster.yaml");
        try (BinProcess imp = BinProcess.start(tmp, envWithOut, "bin/taskmasterd", "import-supervisord", conf.toString(),
                "-o", yaml.toString())) {
            assertThat(imp.waitFor(LIMIT)).as(imp.stderr()).isZero();
            // Only what has no equivalent here: nodaemon, and supervisorctl's rpcinterface is silent.
            assertThat(imp.stderr()).contains("warning: " + conf + ":5:1: [supervisord] nodaemon not imported")
                    .contains("wrote " + yaml);
        }
        try (BinProcess check = BinProcess.start(tmp, envWithOut, "bin/taskmasterd", "--check-config", yaml.toString())) {
            assertThat(check.waitFor(LIMIT)).as(check.stderr() + "\n" + Files.readString(yaml)).isZero();
        }
        try (BinProcess daemon = BinProcess.start(tmp, envWithOut, "bin/taskmasterd", "--allow-root", "-c", yaml.toString())) {
            String[] json = new String[1];
            BinProcess.await("taskmasterd to run 4 processes", LIMIT, () -> {
                try {
                    json[0] = BinProcess.ctl(tmp, envWithOut, LIMIT, "status", "--json").out();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Pattern.compile("\"state\":\"RUNNING\"").matcher(json[0]).results().count() == 4;
            });
            assertThat(groupAndName(json[0])).as(json[0]).isEqualTo(supervisordNames);
            assertThat(awaitOutput(out, 3)).isEqualTo(supervisordOutput);
            BinProcess.shutdown(daemon, tmp, envWithOut, LIMIT);
        }
    }

    private static String supervisorctl(Path conf, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder("supervisorctl", "-c", conf.toString(), "status").redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            String text = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return text;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Each output file once it has {@code files} files, each with a whole line. */
    private static Map<String, String> awaitOutput(Path dir, int files) throws InterruptedException {
        Map<String, String> seen = new TreeMap<>();
        BinProcess.await(files + " output files with a line each", LIMIT, () -> {
            seen.clear();
            try (var list = Files.list(dir)) {
                for (Path f : list.toList()) {
                    seen.put(f.getFileName().toString(), Files.readString(f));
                }
            } catch (IOException e) {
                return false;
            }
            return seen.size() == files && seen.values().stream().allMatch(t -> t.endsWith("\n"));
        });
        return seen;
    }

    /** {@code group:name} of each process in {@code status --json}, as supervisorctl names them. */
    private static Set<String> groupAndName(String json) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\"name\":\"([^\"]+)\"[^{}\\[]*?\"group\":\"([^\"]+)\"").matcher(json);
        while (m.find()) {
            names.add(m.group(2) + ":" + m.group(1));
        }
        return names;
    }
}
