package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.EngineScheduler;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.notify.Notifier;
import dev.taskmaster.server.notify.OutputTails;
import dev.taskmaster.server.output.Outputs;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Puts the notifier between the daemon's journal and its rules. Stateless. */
final class NotifierWiring {

    private static final Logger log = LoggerFactory.getLogger(NotifierWiring.class);

    private NotifierWiring() {
    }

    /**
     * A notifier following {@code journal}; a lost notification becomes a NotificationFailed
     * event, journaled on the engine thread like every event (the notifier's threads only post it).
     */
    static Notifier start(Config config, EventJournal journal, EngineScheduler engineThread, Outputs outputs) {
        Notifier notifier = new Notifier(config.notifyRules(), Notifier.hostname(), OutputTails.of(outputs),
                (rule, target, reason, lost) -> {
                    try {
                        engineThread.execute(() -> journal.append(EngineClock.SYSTEM.now(),
                                (seq, t) -> new EngineEvent.NotificationFailed(seq, t, rule, target, reason, lost)));
                    } catch (RejectedExecutionException stopped) {
                        // The engine has stopped: the log is all that is left to say it.
                        log.error("notify rule {}: {} lost ({}): {}", rule, lost, target, reason);
                    }
                });
        journal.addListener(notifier);
        return notifier;
    }
}
