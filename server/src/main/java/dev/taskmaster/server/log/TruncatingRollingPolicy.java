package dev.taskmaster.server.log;

import ch.qos.logback.core.rolling.RollingPolicyBase;
import ch.qos.logback.core.rolling.RolloverFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The daemon log with {@code logfile_backups: 0}: when it reaches {@code logfile_maxbytes} it
 * starts again, empty, as program logs do, rather than grow without end. Logback's fixed-window
 * policy needs at least one backup. Called by the appender on the log's own thread.
 */
final class TruncatingRollingPolicy extends RollingPolicyBase {

    @Override
    public void rollover() throws RolloverFailure {
        // The appender has closed the file; it opens the active name again afterwards, new and empty.
        try {
            Files.deleteIfExists(Path.of(getActiveFileName()));
        } catch (IOException e) {
            throw new RolloverFailure("cannot start " + getActiveFileName() + " again: " + e.getMessage());
        }
    }

    @Override
    public String getActiveFileName() {
        return getParentsRawFileProperty();
    }
}
