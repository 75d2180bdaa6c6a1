package dev.taskmaster.server.spawn;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ProcessLauncher.LaunchedProcess;

/**
 * A survivor of the previous daemon that is not this daemon's child (a crash re-parented it to
 * init), supervised again: watched and signalled through a pidfd as an {@link AdoptedProcess},
 * but a process this instance's daemon spawned, whose output may be captured again, and whose
 * session {@link Descendants} looks after as for a spawned one.
 *
 * <p>Threading: as {@link AdoptedProcess}.
 */
final class ResumedProcess implements LaunchedProcess {

    private final AdoptedProcess process;
    private final boolean adopted;
    /** Its session in {@link Descendants}; null when none is looked after. */
    private final Descendants.Run descendants;

    ResumedProcess(AdoptedProcess process, boolean adopted, Descendants.Run descendants) {
        this.process = process;
        this.adopted = adopted;
        this.descendants = descendants;
    }

    @Override
    public int pid() {
        return process.pid();
    }

    @Override
    public void signal(Signal signal, boolean toGroup) {
        process.signal(signal, toGroup);
    }

    /** Adopted only if the previous daemon had adopted it: a process it spawned stays one. */
    @Override
    public boolean adopted() {
        return adopted;
    }

    @Override
    public void killModeChanged(KillMode mode) {
        process.killModeChanged(mode);
        if (descendants != null) {
            descendants.modeChanged(mode);
        }
    }
}
