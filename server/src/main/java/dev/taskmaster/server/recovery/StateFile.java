package dev.taskmaster.server.recovery;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.daemon.AtomicFile;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcFds;
import dev.taskmaster.server.os.ProcStat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon knows of its live processes, on disk, for the next daemon of the same instance
 * should this one die without stopping them (SIGKILL, the OOM killer): one file beside the
 * instance lock, {@code <runtime dir>/<instance>.state}, mode 0600, replaced whole on every
 * change (a temporary file renamed into place: a reader sees the old state or the new, never
 * half). Not synced to disk: it must outlive the daemon, not the machine (a reboot ends the
 * processes too, and the boot id tells).
 *
 * <p>Fed by the engine's events ({@link #accept}, a journal listener): the listener only notes
 * the change and wakes the writer thread, which reads what it needs from {@code /proc} (start
 * time, session, uid, the standard streams) and writes. Writes are coalesced: at most one is in
 * flight, and a change that comes during a write causes one more, so the newest state always
 * ends up on disk. {@link #flushNow} writes synchronously (the last thing before a re-exec).
 * A clean shutdown {@link #remove removes} the file: the next daemon finds nothing to recover.
 *
 * <p>Reading ({@link #read}, {@link #load}) trusts only a regular file owned by the daemon's
 * user and writable by no one else; anything else, or a file that does not parse, is refused
 * with a sentence naming the file and what is wrong.
 *
 * <p>Threading: {@link #accept} on the engine thread (never blocks); {@link #flushNow},
 * {@link #close} and {@link #remove} from any thread; the writer on its own thread.
 */
public final class StateFile implements Consumer<EngineEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StateFile.class);
    /** Far beyond any real state (about 250 bytes per process): a larger file is not ours. */
    static final long MAX_BYTES = 16L << 20;
    private static final int MODE = 0600;

    /**
     * Everything a state file says.
     *
     * @param bootId       the kernel's boot id when it was written: processes do not outlive a reboot
     * @param daemonPid    the daemon that wrote it
     * @param lastSequence the journal's last event sequence then
     * @param written      when it was written
     * @param processes    every live process then
     */
    public record Contents(String bootId, int daemonPid, long lastSequence, Instant written, List<Entry> processes) {
        public Contents {
            Objects.requireNonNull(bootId);
            Objects.requireNonNull(written);
            processes = List.copyOf(processes);
        }
    }

    /**
     * One live process as recorded.
     *
     * @param instance   the instance it is the process of
     * @param pid        its pid
     * @param startTicks its start time ({@code /proc/PID/stat} field 22): with the pid, names it for good
     * @param session    its session id (a spawned process leads its own: session = pid)
     * @param uid        its real uid
     * @param adopted    adopted by pid or by the program's {@code adopt:}, not spawned: its output was not captured
     * @param stdin      what its stdin was
     * @param stdout     what its stdout was
     * @param stderr     what its stderr was
     * @param stopSignal the signal its program is stopped with
     * @param stoptime   how long a stop waits before SIGKILL
     * @param killmode   its program's kill mode: whether stop and kill go to its group, and what remains at its end
     */
    public record Entry(String instance, int pid, long startTicks, int session, int uid, boolean adopted, StreamIdentity stdin,
            StreamIdentity stdout, StreamIdentity stderr, int stopSignal, Duration stoptime, KillMode killmode) {
        public Entry {
            Objects.requireNonNull(instance);
            Objects.requireNonNull(stdin);
            Objects.requireNonNull(stdout);
            Objects.requireNonNull(stderr);
            Objects.requireNonNull(stoptime);
            Objects.requireNonNull(killmode);
        }

        /** Whether it leads its own session, as every process the daemon spawns does. */
        public boolean leadsSession() {
            return session == pid;
        }
    }

    /** A state file that cannot be used: the message names the file and what is wrong with it. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** One instance's process, as the last event said: what the writer turns into an {@link Entry}. */
    private record Tracked(int pid, ProgramSpec program, boolean adopted) {
    }

    private final Path file;
    private final String bootId;
    private final int daemonPid;
    /** Instance → its live process; written on the engine thread, read by writers. */
    private final Map<String, Tracked> live = new ConcurrentHashMap<>();
    private volatile long lastSequence;
    /**
     * Processes recorded by the previous daemon and about to be resumed, kept in the file until
     * this daemon's first event about their instance: a crash in between must not lose them.
     */
    private final Map<String, Entry> carried = new ConcurrentHashMap<>();
    /**
     * Set by every event, taken by the writer. No lock on the engine's side: in a crash loop of
     * hundreds of events a second, taking a monitor the writer also takes cost the engine thread
     * about 40 % of its samples (spinning to enter it); an atomic flag and an unpark do not.
     */
    private final java.util.concurrent.atomic.AtomicBoolean dirty = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;
    /** One write at a time, from the writer thread or {@link #flushNow}; guards the fields below. */
    private final Object writing = new Object();
    /** What /proc said of each process already recorded, by instance: read once per pid. */
    private final Map<String, Entry> known = new HashMap<>();
    private String lastFailure;
    private long writes;
    private final Thread writer;

    private StateFile(Path file, String bootId, long lastSequence) {
        this.file = file;
        this.bootId = bootId;
        this.daemonPid = Posix.getpid();
        this.lastSequence = lastSequence;
        this.writer = Thread.ofPlatform().name("state-file").daemon(true).unstarted(this::writeLoop);
    }

    /** The state file of {@code instance}: beside its lock, in the runtime directory. */
    public static Path path(Path runtimeDir, String instance) {
        return runtimeDir.resolve(instance + ".state");
    }

    /**
     * Starts keeping {@code file} up to date. Nothing is written until the first event (the
     * previous daemon's file stays as it was until then).
     *
     * @param lastSequence the journal's last sequence now (0 for a fresh journal)
     */
    public static StateFile start(Path file, long lastSequence) {
        return start(file, lastSequence, List.of());
    }

    /**
     * As {@link #start(Path, long)}, carrying {@code survivors} (about to be resumed) over until
     * this daemon's first event about each one's instance.
     */
    public static StateFile start(Path file, long lastSequence, java.util.Collection<Survivor> survivors) {
        StateFile s = new StateFile(file, Survivors.bootId(), lastSequence);
        survivors.forEach(v -> s.carried.put(v.instance(), v.recorded()));
        s.writer.start();
        return s;
    }

    public Path file() {
        return file;
    }

    /** How many times the file was written: lets tests see coalescing. */
    public long writes() {
        synchronized (writing) {
            return writes;
        }
    }

    /** Notes what the event changed and wakes the writer. Engine thread; never blocks. */
    @Override
    public void accept(EngineEvent event) {
        if (event instanceof EngineEvent.StateChanged c) {
            carried.remove(c.process());
            if (c.to().hasProcess() && c.after().pid() > 0) {
                live.put(c.process(), new Tracked(c.after().pid(), c.after().spec().program(), c.after().adopted()));
            } else {
                live.remove(c.process());
            }
        }
        lastSequence = Math.max(lastSequence, event.sequence());
        if (!dirty.getAndSet(true)) {
            java.util.concurrent.locks.LockSupport.unpark(writer); // a permit: not lost if the writer is not parked yet
        }
    }

    /** Writes the current state now, on the calling thread; returns once it is in place. */
    public void flushNow() throws IOException {
        synchronized (writing) {
            write();
        }
    }

    /** Stops the writer (a write in flight ends first). The file stays. */
    @Override
    public void close() {
        closed = true;
        java.util.concurrent.locks.LockSupport.unpark(writer);
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the writer and removes the file: a clean shutdown, after which nothing is to be recovered. */
    public void remove() {
        close();
        synchronized (writing) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("cannot remove the state file {}: {}", file, e.getMessage());
            }
        }
    }

    private void writeLoop() {
        while (true) {
            // Taken before the write reads the state: a change after this sets the flag again, and
            // is written by the next round.
            while (!closed && !dirty.getAndSet(false)) {
                java.util.concurrent.locks.LockSupport.park(this);
                if (Thread.interrupted()) {
                    return;
                }
            }
            if (closed) {
                return;
            }
            synchronized (writing) {
                try {
                    write();
                } catch (IOException | RuntimeException e) {
                    // Said once per kind of failure (a full disk is not worth a line per change), and when it is over.
                    String why = e.getMessage();
                    if (!Objects.equals(why, lastFailure)) {
                        log.warn("cannot write the state file {}: {}; a crash now would leave the processes unsupervised"
                                + " (a new daemon would start second copies)", file, why);
                        lastFailure = why;
                    }
                }
            }
        }
    }

    /** Under {@link #writing}. */
    private void write() throws IOException {
        long sequence = lastSequence;
        List<Entry> entries = new ArrayList<>(live.size());
        Map<String, Entry> stillKnown = new HashMap<>();
        for (Map.Entry<String, Tracked> e : live.entrySet()) {
            Entry entry = known.get(e.getKey());
            Tracked t = e.getValue();
            if (entry == null || entry.pid() != t.pid() || entry.adopted() != t.adopted()) {
                entry = observe(e.getKey(), t).orElse(null);
            } else {
                // Settings may change in place (an update): the stop settings follow.
                entry = withSettings(entry, t.program());
            }
            if (entry != null) {
                entries.add(entry);
                stillKnown.put(e.getKey(), entry);
            }
        }
        known.clear();
        known.putAll(stillKnown);
        for (Map.Entry<String, Entry> c : carried.entrySet()) {
            if (!live.containsKey(c.getKey())) {
                entries.add(c.getValue());
            }
        }
        entries.sort(java.util.Comparator.comparing(Entry::instance));
        AtomicFile.write(file, StateFormat.format(new Contents(bootId, daemonPid, sequence, Instant.now(), entries)), MODE);
        writes++;
        if (lastFailure != null) {
            log.info("the state file {} is written again", file);
            lastFailure = null;
        }
    }

    /** What /proc says of a live process now; empty when it is already gone. */
    private static Optional<Entry> observe(String instance, Tracked t) {
        Optional<ProcStat> stat = ProcStat.of(t.pid());
        Optional<ProcStat.Uids> uids = ProcStat.uids(t.pid());
        if (stat.isEmpty() || stat.get().isZombie() || uids.isEmpty()) {
            return Optional.empty(); // it has ended; its exit event is on the way
        }
        StreamIdentity[] streams = new StreamIdentity[3];
        for (int fd = 0; fd < 3; fd++) {
            streams[fd] = StreamIdentity.of(ProcFds.link(t.pid(), fd));
        }
        ProgramSpec p = t.program();
        return Optional.of(new Entry(instance, t.pid(), stat.get().startTicks(), stat.get().session(), uids.get().real(),
                t.adopted(), streams[0], streams[1], streams[2], p.stopsignal().number(), p.stoptime(), p.killmode()));
    }

    private static Entry withSettings(Entry e, ProgramSpec p) {
        if (e.stopSignal() == p.stopsignal().number() && e.stoptime().equals(p.stoptime()) && e.killmode() == p.killmode()) {
            return e;
        }
        return new Entry(e.instance(), e.pid(), e.startTicks(), e.session(), e.uid(), e.adopted(), e.stdin(), e.stdout(),
                e.stderr(), p.stopsignal().number(), p.stoptime(), p.killmode());
    }

    /**
     * Reads a state file.
     *
     * @return empty when there is none
     * @throws Invalid when it is not one this daemon may trust or read (not a regular file, not
     *                 the daemon's user's, writable by others, too large, not UTF-8, not in the
     *                 format): the message says which, naming the file
     */
    public static Optional<Contents> read(Path file) throws Invalid {
        java.nio.file.attribute.PosixFileAttributes attrs;
        int owner;
        try {
            attrs = Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new Invalid(file + ": cannot be read: " + e.getMessage());
        }
        if (attrs.isSymbolicLink() || !attrs.isRegularFile()) {
            throw new Invalid(file + ": expected a regular file, found " + (attrs.isSymbolicLink() ? "a symbolic link"
                    : attrs.isDirectory() ? "a directory" : "a special file"));
        }
        int euid = Posix.geteuid();
        if (owner != euid) {
            throw new Invalid(file + ": expected a file owned by uid " + euid + " (the daemon's user), found one owned by uid "
                    + owner + "; it is not trusted: no process named in it is adopted or killed");
        }
        var perms = attrs.permissions();
        if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
            throw new Invalid(file + ": expected a file only its owner may write (mode 0600), found mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "; it is not trusted");
        }
        if (attrs.size() > MAX_BYTES) {
            throw new Invalid(file + ": expected at most " + MAX_BYTES + " bytes, found " + attrs.size());
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new Invalid(file + ": cannot be read: " + e.getMessage());
        }
        if (bytes.length > MAX_BYTES) {
            throw new Invalid(file + ": expected at most " + MAX_BYTES + " bytes, found more");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid(file + ": expected UTF-8 text, found bytes that are not");
        }
        return Optional.of(StateFormat.parse(file, text));
    }

    /**
     * As {@link #read}, for a daemon's start: a file that cannot be used is a warning in the log
     * (it is then ignored, and replaced by this daemon's state), never a failure to start.
     */
    public static Optional<Contents> load(Path file) {
        try {
            return read(file);
        } catch (Invalid e) {
            log.warn("state file ignored: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
