package dev.taskmaster.server.output;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.engine.EngineEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output of every instance, by instance name, for as long as the instance exists: a
 * restart keeps its offsets, ring and viewers; a reload that updates output settings applies
 * them in place; removal lets go of its files once its last process is down. Also the place
 * SIGUSR2 reaches ({@link #reopenLogs}).
 *
 * <p>Threading: thread-safe. As a journal listener ({@link #accept}) it runs on the engine
 * thread and does no disk work there beyond opening a log file whose path changed.
 */
public final class Outputs implements Consumer<EngineEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Outputs.class);
    /** How long a removed instance's output may still trickle in (a grandchild holding the pipe). */
    private static final long REMOVAL_GRACE_MILLIS = 2000;

    private final Path logdir;
    private final LogFiles files = new LogFiles();
    private final Map<String, ProcessOutput> byName = new ConcurrentHashMap<>();
    private final Set<String> removing = ConcurrentHashMap.newKeySet();
    private final LogRetries retries = new LogRetries();
    private volatile Taps taps;

    /** Where an instance's streams are also copied to (syslog): the tap of one stream, or null for none. */
    @FunctionalInterface
    public interface Taps {
        OutputTap of(InstanceSpec instance, StdStream stream);
    }

    public Outputs(Path logdir) {
        this.logdir = logdir;
    }

    /** The default log file of one stream of an instance: {@code <logdir>/<instance>.stdout.log}. */
    public static Path defaultLog(Path logdir, String instance, String stream) {
        return logdir.resolve(instance + "." + stream + ".log");
    }

    /** The output of {@code name}, created empty if it has none yet. */
    public ProcessOutput of(String name) {
        return byName.computeIfAbsent(name, n -> new ProcessOutput(n, files, (int) ProgramSpec.DEFAULT_OUTPUT_BUFFER, retries));
    }

    /**
     * Where every instance reports that writing its log stopped or resumed (a full disk): the
     * engine's journal. Until then, and without one, only the daemon log hears of it.
     */
    public void reportLogWritingTo(dev.taskmaster.server.engine.LogWritingJournal journal) {
        retries.journal(journal);
    }

    /** Copies each instance's streams to what {@code taps} gives, from its next configuration (each launch, each update) on. */
    public void tapWith(Taps taps) {
        this.taps = taps;
    }

    /** The instances that have an output here (a re-exec hands their rings over). */
    public java.util.List<String> names() {
        return java.util.List.copyOf(byName.keySet());
    }

    public Optional<ProcessOutput> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The output of {@code instance} with the instance's current settings applied (before each launch). */
    public ProcessOutput configure(InstanceSpec instance) throws IOException {
        ProcessOutput out = of(instance.name());
        ProgramSpec p = instance.program();
        Path stdout = file(p.stdout(), instance.name(), "stdout");
        // A terminal carries both streams into stdout; redirect_stderr does the same with a pipe.
        Path stderr = p.tty() || p.redirectStderr() ? null : file(p.stderr(), instance.name(), "stderr");
        out.configure(stdout, stderr, new RotatingLogFile.Settings(p.logRotation().maxBytes(), p.logRotation().backups(),
                p.logfileTimestamps(), p.logfileMode()), (int) p.outputBuffer(), p.onLogFull());
        Taps t = taps;
        if (t != null) {
            out.tap(StdStream.STDOUT, t.of(instance, StdStream.STDOUT));
            out.tap(StdStream.STDERR, stderr == null ? null : t.of(instance, StdStream.STDERR));
        }
        return out;
    }

    private Path file(OutputSpec spec, String instance, String stream) {
        return logFile(spec, logdir, instance, stream).orElse(null);
    }

    /**
     * The file a stream of {@code instance} is logged to: the configured one, else the default
     * under {@code logdir} (made only then: ListProcesses asks for every process's); empty when
     * the stream is discarded. Stateless; any thread.
     */
    public static java.util.Optional<Path> logFile(OutputSpec spec, Path logdir, String instance, String stream) {
        return switch (spec) {
            case OutputSpec.Discard d -> java.util.Optional.empty();
            case OutputSpec.Capture c -> java.util.Optional.of(c.file().orElseGet(() -> defaultLog(logdir, instance, stream)));
        };
    }

    /** Reload results: settings updated in place are applied now; removed instances go once down. */
    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.ConfigReloaded r -> {
                for (ConfigDiff.InstanceChange c : r.diff().instances()) {
                    switch (c.kind()) {
                        case UPDATED -> find(c.name()).ifPresent(o -> reconfigure(c.after().orElseThrow()));
                        case REMOVED -> find(c.name()).ifPresent(o -> {
                            if (o.running()) {
                                removing.add(c.name());
                            } else {
                                remove(c.name());
                            }
                        });
                        default -> { }
                    }
                }
            }
            case EngineEvent.StateChanged c when c.to().isDown() && removing.remove(c.process()) -> {
                int pid = c.exit().map(x -> x.pid()).orElse(0);
                find(c.process()).ifPresent(o -> o.drained(pid)
                        .completeOnTimeout(null, REMOVAL_GRACE_MILLIS, TimeUnit.MILLISECONDS)
                        .thenRun(() -> remove(c.process())));
            }
            default -> { }
        }
    }

    private void reconfigure(InstanceSpec after) {
        try {
            configure(after);
        } catch (IOException e) {
            log.warn("{}: cannot apply the new output settings: {}", after.name(), e.getMessage());
        }
    }

    private void remove(String name) {
        ProcessOutput o = byName.remove(name);
        if (o != null) {
            o.release();
        }
    }

    /** Closes and reopens every program log file by name (SIGUSR2). */
    public void reopenLogs() {
        files.reopenAll();
    }

    /** How many log files are open (for tests and status). */
    public int openFiles() {
        return files.size();
    }

    @Override
    public void close() {
        retries.close();
        byName.values().forEach(ProcessOutput::abandonLogGaps);
        files.closeAll();
    }
}
