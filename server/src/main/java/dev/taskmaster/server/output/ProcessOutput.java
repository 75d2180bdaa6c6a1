package dev.taskmaster.server.output;

import dev.taskmaster.config.LogFullPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Everything one instance has printed and everyone following it, owned by the daemon and kept
 * across restarts of the process (keyed by instance name, not by one spawn): its log files,
 * the in-memory {@link OutputRing}, its {@link Viewer}s, its input lease and the input of the
 * process running now. Each spawn is a {@link Run}.
 *
 * <p>A log file that cannot be written (a full disk) is handled per stream by a {@link LogWriter},
 * by the instance's {@code on_log_full}; its counters are here for the API and metrics:
 * {@link #bytesDropped}, {@link #linesDropped}, {@link #logStalls}, {@link #timeBlocked}.
 *
 * <p>Threading: {@link #append} runs on the output pump thread and touches no lock but the
 * log file's and the ring's (a log that cannot be written adds its writer's); everything else
 * may be called from any thread.
 */
public final class ProcessOutput {

    /** Runs remembered for {@link #drained}: exits are reported within moments of the run. */
    private static final int RUNS_KEPT = 8;

    private final String name;
    private final LogFiles files;
    private final OutputRing ring;
    private final InputLeases leases = new InputLeases();
    private final Set<Viewer> viewers = new CopyOnWriteArraySet<>();
    /** Indexed by {@link StdStream#ordinal()}; null = that stream is not written to a file. */
    private volatile RotatingLogFile[] logs = new RotatingLogFile[2];
    /** Indexed by {@link StdStream#ordinal()}: discarded streams are neither logged nor kept. */
    private volatile boolean[] captured = {true, true};
    /** Indexed by {@link StdStream#ordinal()}. */
    private final LogWriter[] writers;
    private volatile LogFullPolicy onLogFull = LogFullPolicy.BLOCK;
    /** Bytes, then lines (newlines), read from each stream since the daemon started: {@code [stream]}, {@code [2 + stream]}. For metrics. */
    private final java.util.concurrent.atomic.AtomicLongArray read = new java.util.concurrent.atomic.AtomicLongArray(4);
    /** Indexed by {@link StdStream#ordinal()}: where each batch also goes (syslog forwarding); null = nowhere. */
    private volatile OutputTap[] taps = new OutputTap[2];
    private volatile ProcessInput input;
    private volatile boolean tty;
    private volatile boolean running;
    /** The size the last attached client asked for: a restarted tty program starts with it. */
    private volatile int[] terminalSize = {dev.taskmaster.server.os.Pty.DEFAULT_ROWS, dev.taskmaster.server.os.Pty.DEFAULT_COLS};
    private final Map<Integer, Run> runs = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Run> eldest) {
            return size() > RUNS_KEPT;
        }
    };

    public ProcessOutput(String name, LogFiles files, int bufferBytes) {
        this(name, files, bufferBytes, new LogRetries());
    }

    ProcessOutput(String name, LogFiles files, int bufferBytes, LogRetries retries) {
        this.name = name;
        this.files = files;
        this.ring = new OutputRing(bufferBytes);
        this.writers = new LogWriter[] {new LogWriter(this, StdStream.STDOUT, retries), new LogWriter(this, StdStream.STDERR, retries)};
    }

    public String name() {
        return name;
    }

    public OutputRing ring() {
        return ring;
    }

    public InputLeases leases() {
        return leases;
    }

    /**
     * Applies an instance's output settings: which streams are kept, their log files (null =
     * not captured), rotation, timestamps, the ring's size and what to do when a log file
     * cannot be written. Called at each launch and when a reload updates the settings in place.
     */
    public synchronized void configure(Path stdoutFile, Path stderrFile, RotatingLogFile.Settings settings, int bufferBytes,
            LogFullPolicy policy) throws IOException {
        RotatingLogFile[] next = new RotatingLogFile[2];
        Path[] paths = {stdoutFile, stderrFile};
        try {
            for (int i = 0; i < 2; i++) {
                if (paths[i] != null) {
                    next[i] = files.acquire(paths[i], settings);
                }
            }
        } catch (IOException e) {
            for (RotatingLogFile f : next) {
                if (f != null) {
                    files.release(f);
                }
            }
            throw e;
        }
        RotatingLogFile[] old = logs;
        logs = next;
        captured = new boolean[] {stdoutFile != null, stderrFile != null};
        for (RotatingLogFile f : old) {
            if (f != null) {
                files.release(f);
            }
        }
        ring.resize(bufferBytes);
        onLogFull = policy;
    }

    /** As {@link #configure(Path, Path, RotatingLogFile.Settings, int, LogFullPolicy)}, blocking when a log is full. */
    public void configure(Path stdoutFile, Path stderrFile, RotatingLogFile.Settings settings, int bufferBytes)
            throws IOException {
        configure(stdoutFile, stderrFile, settings, bufferBytes, LogFullPolicy.BLOCK);
    }

    /** {@code on_log_full} now. */
    LogFullPolicy policy() {
        return onLogFull;
    }

    /** The log file of {@code stream} now; null when it is not written to a file. */
    RotatingLogFile log(StdStream stream) {
        return captured[stream.ordinal()] ? logs[stream.ordinal()] : null;
    }

    /** The log file of {@code stream}, if it is captured. */
    public Optional<RotatingLogFile> logFile(StdStream stream) {
        return Optional.ofNullable(logs[stream.ordinal()]);
    }

    /**
     * Called on the pump thread with each batch a stream delivered: log first, then memory, then
     * viewers. Returns false when the pipe must not be read until {@code resume} runs: the log
     * cannot be written and {@code on_log_full} is block (the batch is kept, and in the ring).
     */
    boolean append(StdStream stream, ByteBuffer bytes, Runnable resume) {
        if (!captured[stream.ordinal()]) {
            return true;
        }
        count(stream, bytes);
        OutputTap tap = taps[stream.ordinal()];
        if (tap != null) {
            tap.accept(bytes.duplicate());
        }
        RotatingLogFile file = logs[stream.ordinal()];
        boolean more = file == null || writers[stream.ordinal()].write(file, bytes.duplicate(), resume);
        ring.append(stream, bytes);
        for (Viewer v : viewers) {
            v.wake();
        }
        return more;
    }

    private void count(StdStream stream, ByteBuffer bytes) {
        int lines = Newlines.count(bytes, bytes.position(), bytes.limit());
        read.addAndGet(stream.ordinal(), bytes.remaining());
        read.addAndGet(2 + stream.ordinal(), lines);
    }

    /** Bytes read from {@code stream} since the daemon started (a re-exec starts again from 0). */
    public long bytesRead(StdStream stream) {
        return read.get(stream.ordinal());
    }

    /** Newlines read from {@code stream} since the daemon started. */
    public long linesRead(StdStream stream) {
        return read.get(2 + stream.ordinal());
    }

    /** Where each batch of {@code stream} also goes from now on (null: nowhere); see {@link OutputTap}. */
    public synchronized void tap(StdStream stream, OutputTap tap) {
        OutputTap[] next = taps.clone();
        next[stream.ordinal()] = tap;
        taps = next;
    }

    // ---- when a log file cannot be written (counters for the API and metrics) -----------------

    /** Bytes of output lost because their log file could not take them, since the daemon started. */
    public long bytesDropped() {
        return writers[0].bytesDropped() + writers[1].bytesDropped();
    }

    /** Lines of output lost (a line partly lost counts), since the daemon started. */
    public long linesDropped() {
        return writers[0].linesDropped() + writers[1].linesDropped();
    }

    /** Times writing a log file of this instance stopped, since the daemon started. */
    public long logStalls() {
        return writers[0].stalls() + writers[1].stalls();
    }

    /** How long the program was held back because its log could not be written, the stop in progress included. */
    public Duration timeBlocked() {
        return Duration.ofNanos(writers[0].nanosBlocked() + writers[1].nanosBlocked());
    }

    /** Why writing a log file of this instance is stopped now; empty while it is written normally. */
    public Optional<String> logWritingStopped() {
        return writers[0].stoppedReason().or(writers[1]::stoppedReason);
    }

    /** The daemon stops: output still held back, or a gap without its marker, is reported lost. */
    void abandonLogGaps() {
        for (LogWriter w : writers) {
            w.abandon();
        }
    }

    public void addViewer(Viewer v) {
        viewers.add(v);
    }

    public void removeViewer(Viewer v) {
        viewers.remove(v);
    }

    public int viewerCount() {
        return viewers.size();
    }

    /** The input of the process running now; empty when none runs (or it has none). */
    public Optional<ProcessInput> input() {
        return Optional.ofNullable(input);
    }

    /** Whether a process of the instance is running (spawned, not yet exited). */
    public boolean running() {
        return running;
    }

    /** Remembers a terminal size set through ResizeTerminal, for the next process's terminal. */
    public void terminalSize(int rows, int cols) {
        terminalSize = new int[] {rows, cols};
    }

    /** {rows, cols} for a new terminal. */
    public int[] terminalSize() {
        return terminalSize.clone();
    }

    /** Whether the current (or last) process runs on a terminal. */
    public boolean tty() {
        return tty;
    }

    /** Empties the ring and the current log files (backups stay); offsets go on growing. */
    public void clear() throws IOException {
        ring.clear();
        IOException failed = null;
        for (RotatingLogFile f : logs) {
            if (f != null) {
                try {
                    f.clear();
                } catch (IOException e) {
                    failed = e;
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Lets go of the log files: the instance is gone. Output still in flight is kept in memory only. */
    public synchronized void release() {
        RotatingLogFile[] old = logs;
        logs = new RotatingLogFile[2];
        for (RotatingLogFile f : old) {
            if (f != null) {
                files.release(f);
            }
        }
    }

    /**
     * Completes once every stream of the run with this pid has reached end of file (its last
     * output is in the ring and the log), at once for a run not known (long gone). A stream can
     * stay open after the process exits when a child it left behind holds it: callers bound
     * their wait.
     */
    public CompletableFuture<Void> drained(int pid) {
        synchronized (runs) {
            Run r = runs.get(pid);
            // A copy: callers bound their wait with completeOnTimeout, which must not mark the run
            // itself drained for everyone (runEnd would then answer before its last output).
            return r == null ? CompletableFuture.completedFuture(null) : r.drained.copy();
        }
    }

    /** Offset in {@code space} at which the run with this pid began, if it is known. */
    public Optional<Long> runStart(int pid, OffsetSpace space) {
        synchronized (runs) {
            Run r = runs.get(pid);
            return r == null ? Optional.empty() : Optional.of(r.start[space.ordinal()]);
        }
    }

    /** Offset in {@code space} right after the last output of the run with this pid, once it is drained. */
    public Optional<Long> runEnd(int pid, OffsetSpace space) {
        synchronized (runs) {
            Run r = runs.get(pid);
            return r == null || !r.drained.isDone() ? Optional.empty() : Optional.of(r.end[space.ordinal()]);
        }
    }

    /** Starts a run: a process is about to be spawned with the sinks and input of the run. */
    public Run beginRun(boolean onTty) {
        return new Run(onTty);
    }

    /**
     * One spawn of the instance. Threading: {@link #sink} and {@link #started} on the launching
     * thread (the engine's, or a spawner thread of a batch; one at a time per instance), {@link #exited} on the child watcher thread, the sinks on the pump thread.
     */
    public final class Run {
        private final boolean runTty;
        private final long[] start = new long[3];
        /** Offsets right after this run's last output (pump thread; read once drained). */
        private final long[] end = new long[3];
        private boolean wrote;
        private final CompletableFuture<Void> drained = new CompletableFuture<>();
        private int openStreams;
        private ProcessInput runInput;

        private Run(boolean runTty) {
            this.runTty = runTty;
            for (OffsetSpace s : OffsetSpace.values()) {
                start[s.ordinal()] = ring.end(s);
                end[s.ordinal()] = start[s.ordinal()]; // a run that prints nothing ends where it began
            }
            for (Viewer v : viewers) {
                v.runBegins(start.clone());
            }
        }

        /** The spawn failed after the run began: viewers stop holding output back for it. Launching thread. */
        public void abandon() {
            for (Viewer v : viewers) {
                v.runAbandoned(start.clone());
            }
        }

        /** A sink for one stream of this run; the run is drained when every sink is closed. */
        public Sink sink(StdStream stream) {
            synchronized (this) {
                openStreams++;
            }
            return new Sink(stream);
        }

        /** The process was spawned: its pid, and its input (null if it has none). */
        public void started(int pid, ProcessInput processInput) {
            this.runInput = processInput;
            synchronized (runs) {
                runs.put(pid, this);
            }
            tty = runTty;
            running = true;
            ProcessOutput previous = ProcessOutput.this;
            ProcessInput old = previous.input;
            previous.input = processInput;
            if (old != null) {
                old.close("a new process replaced the one it belonged to");
            }
            synchronized (this) {
                if (openStreams == 0) {
                    markDrained();
                }
            }
        }

        private void markDrained() {
            if (!wrote) {
                System.arraycopy(start, 0, end, 0, 3);
            }
            drained.complete(null);
        }

        /**
         * Right after one of this run's own batches went into the ring: its end is the end of
         * this run's output so far. The pump appends one batch at a time, so no other run's
         * bytes can come in between (a next run's output may follow this run's last bytes).
         */
        private void wrote() {
            for (OffsetSpace s : OffsetSpace.values()) {
                end[s.ordinal()] = ring.end(s);
            }
            wrote = true;
        }

        /** The process exited: its input goes with it. */
        public void exited() {
            running = false;
            if (runInput != null) {
                runInput.close("the process exited");
                if (input == runInput) {
                    input = null;
                }
            }
        }

        private void streamEnded() {
            synchronized (this) {
                if (--openStreams == 0) {
                    markDrained();
                }
            }
        }

        /** Where the pump delivers one stream of this run. Pump thread only. */
        public final class Sink {
            private final StdStream stream;
            private boolean ended;

            private Sink(StdStream stream) {
                this.stream = stream;
            }

            /** One batch; false = stop reading the pipe until {@code resume} runs (see {@link ProcessOutput#append}). */
            public boolean write(ByteBuffer bytes, Runnable resume) {
                boolean more = append(stream, bytes, resume);
                wrote();
                return more;
            }

            /** End of file on the stream. */
            public void close() {
                if (!ended) {
                    ended = true;
                    writers[stream.ordinal()].streamEnded();
                    streamEnded();
                }
            }
        }
    }
}
