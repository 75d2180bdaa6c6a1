package dev.taskmaster.server.recovery;

import dev.taskmaster.server.os.Fds;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A process of the previous daemon (crashed, or replaced by re-exec) still alive, checked to be
 * the one recorded ({@link Survivors#find}), with descriptors on its output already found or
 * reopened. The descriptors belong to whoever resumes it ({@code ProcessLauncher.resume}); a
 * survivor that is not resumed must be {@link #release released}.
 *
 * <p>Output when the engine resumes it: with {@code tty}, {@code stdout} is the terminal's
 * master (read) and {@code stdin} a second descriptor on it (input, window size); else
 * {@code stdout}/{@code stderr} are read ends of its pipes and {@code stdin} the write end of
 * its input pipe. -1 where there is none.
 *
 * @param recorded   what the state file said of it
 * @param ownChild   it is this daemon's child (a re-exec keeps the pid): its exit status is known;
 *                   else (a crash: it went to init) its end is seen through a pidfd, "code unknown"
 * @param startedAt  when it started (from its start ticks): its uptime is real, not "since the new daemon"
 * @param age        how long it had been running when it was found
 * @param stdin      see above
 * @param stdout     see above
 * @param stderr     see above
 * @param tty        its output was a terminal
 * @param outputLost why its output could not be re-attached (it is then restarted rather than left
 *                   running unheard); empty when it was, or was never captured
 * @param reason     the sentence of the event and log line that say it is supervised again
 */
public record Survivor(StateFile.Entry recorded, boolean ownChild, Instant startedAt, Duration age, int stdin, int stdout,
        int stderr, boolean tty, Optional<String> outputLost, String reason) {

    public Survivor {
        Objects.requireNonNull(recorded);
        Objects.requireNonNull(startedAt);
        Objects.requireNonNull(age);
        Objects.requireNonNull(outputLost);
        Objects.requireNonNull(reason);
    }

    public String instance() {
        return recorded.instance();
    }

    public int pid() {
        return recorded.pid();
    }

    public long startTicks() {
        return recorded.startTicks();
    }

    /** Whether any of its output is read again. */
    public boolean outputCaptured() {
        return stdout >= 0 || stderr >= 0;
    }

    /** Closes its descriptors: for a survivor that is not handed to the engine (killed, stopped, refused). */
    public void release() {
        for (int fd : new int[] {stdin, stdout, stderr}) {
            if (fd >= 0) {
                Fds.closeQuietly(fd);
            }
        }
    }
}
