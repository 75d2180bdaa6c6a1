package dev.taskmaster.server.recovery;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon does at start-up about the previous daemon of its instance, holding the
 * instance's lock and before its engine starts: reads the state file, finds the survivors, and
 * either keeps them for the engine to resume ({@link #survivors}) or, with {@code --fresh},
 * kills them and what remains of their sessions. Survivors of programs no longer configured are
 * stopped as their programs would have been, in the background. The journal numbers on after
 * the previous one's ({@link #continueJournal}).
 *
 * <p>Threading: used on the daemon's main thread during start-up.
 */
public final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    /**
     * Numbers skipped after the previous daemon's last recorded event: the state file may lag the
     * journal by the events of one write (it is written after them), and those numbers were
     * perhaps seen by a client; no write lags by anything near this.
     */
    static final long SEQUENCE_GAP = 10_000;
    /** How long {@code --fresh} waits for what it killed to be gone. */
    private static final Duration FRESH_LIMIT = Duration.ofSeconds(5);

    private final Optional<StateFile.Contents> previous;
    private final Map<String, Survivor> survivors;

    private Recovery(Optional<StateFile.Contents> previous, Map<String, Survivor> survivors) {
        this.previous = previous;
        this.survivors = survivors;
    }

    /**
     * Reads {@code stateFile} and deals with what survived. A file that cannot be used is a
     * warning and nothing is recovered.
     *
     * @param fresh kill every survivor instead of resuming it
     */
    public static Recovery begin(Path stateFile, Config config, boolean fresh) {
        Optional<StateFile.Contents> previous = StateFile.load(stateFile);
        if (previous.isEmpty()) {
            return new Recovery(previous, Map.of());
        }
        Map<String, InstanceSpec> configured = new HashMap<>();
        config.instances().forEach(i -> configured.put(i.name(), i));
        int euid = Posix.geteuid();
        Map<String, OptionalInt> users = new HashMap<>();
        List<Survivor> found = Survivors.find(previous.get(), (entry, uid) -> {
            if (uid == euid) {
                return true;
            }
            InstanceSpec i = configured.get(entry.instance());
            if (i == null) {
                // A program no longer configured: its recorded user, if this daemon may act for other users at all.
                return euid == 0 && uid == entry.uid();
            }
            OptionalInt programUid = users.computeIfAbsent(i.program().user().orElse(""), Recovery::uidOf);
            return programUid.isPresent() && programUid.getAsInt() == uid;
        });
        if (found.isEmpty()) {
            log.info("state file {}: none of the {} process(es) of the previous daemon (pid {}) still runs", stateFile,
                    previous.get().processes().size(), previous.get().daemonPid());
            return new Recovery(previous, Map.of());
        }
        if (fresh) {
            int killed = Survivors.kill(found, FRESH_LIMIT);
            log.info("--fresh: killed {} process(es) left by the previous daemon (pid {}): {}", killed,
                    previous.get().daemonPid(), found.stream().map(s -> s.instance() + " pid " + s.pid()).toList());
            return new Recovery(previous, Map.of());
        }
        Map<String, Survivor> resumed = new LinkedHashMap<>();
        for (Survivor s : found) {
            if (configured.containsKey(s.instance()) && !resumed.containsKey(s.instance())) {
                resumed.put(s.instance(), s);
                continue;
            }
            log.info("{}: pid {} survived the previous daemon, but its program is no longer configured: stopping it"
                    + " (signal {}, SIGKILL after {})", s.instance(), s.pid(), s.recorded().stopSignal(), s.recorded().stoptime());
            Thread.ofVirtual().name("stop-survivor-" + s.pid()).start(() -> {
                try {
                    if (Survivors.stop(s)) {
                        log.info("{}: pid {} of the previous daemon stopped", s.instance(), s.pid());
                    }
                } catch (RuntimeException e) {
                    log.error("{}: cannot stop pid {} of the previous daemon", s.instance(), s.pid(), e);
                }
            });
        }
        return new Recovery(previous, resumed);
    }

    private static OptionalInt uidOf(String user) {
        if (user.isEmpty()) {
            return OptionalInt.of(Posix.geteuid());
        }
        try {
            return Users.lookup(user).map(UserInfo::uid).map(OptionalInt::of).orElse(OptionalInt.empty());
        } catch (NativeException e) {
            return OptionalInt.empty();
        }
    }

    /** Instance name → its survivor, for {@code Engine.startAutostart}; the engine owns their descriptors from then on. */
    /** pid → start ticks of the survivors that are this process's own children (a re-exec kept them). */
    public Map<Integer, Long> ownChildren() {
        Map<Integer, Long> own = new java.util.HashMap<>();
        survivors().values().stream().filter(Survivor::ownChild).forEach(s -> own.put(s.pid(), s.startTicks()));
        return own;
    }

    public Map<String, Survivor> survivors() {
        return survivors;
    }

    /** What the previous daemon recorded, if its state file was found and usable. */
    public Optional<StateFile.Contents> previous() {
        return previous;
    }

    /** Numbers {@code journal}'s events on from the previous daemon's, with a gap (see {@link EventJournal#continueAfter}). */
    public void continueJournal(EventJournal journal) {
        previous.ifPresent(p -> journal.continueAfter(p.lastSequence(), SEQUENCE_GAP));
    }
}
