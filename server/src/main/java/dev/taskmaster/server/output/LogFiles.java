package dev.taskmaster.server.output;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open program log files, one {@link RotatingLogFile} per path however many streams write
 * to it (stdout and stderr may share a file, and so may programs): one writer per file keeps
 * rotation coherent. Counted references; a file closes when its last user lets it go.
 *
 * <p>Threading: thread-safe.
 */
public final class LogFiles {

    private static final Logger log = LoggerFactory.getLogger(LogFiles.class);

    private static final class Entry {
        final RotatingLogFile file;
        int users;

        Entry(RotatingLogFile file) {
            this.file = file;
        }
    }

    private final Map<Path, Entry> open = new HashMap<>();

    /** The file at {@code path}, opened if needed; its settings become {@code settings}. */
    public synchronized RotatingLogFile acquire(Path path, RotatingLogFile.Settings settings) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        Entry e = open.get(key);
        if (e == null) {
            e = new Entry(new RotatingLogFile(key, settings));
            open.put(key, e);
        } else {
            e.file.settings(settings);
        }
        e.users++;
        return e.file;
    }

    public synchronized void release(RotatingLogFile file) {
        Entry e = open.get(file.path());
        if (e != null && e.file == file && --e.users == 0) {
            open.remove(file.path());
            file.close();
        }
    }

    /** Closes every file and opens it again by name (SIGUSR2, after an external logrotate). */
    public void reopenAll() {
        List<RotatingLogFile> files;
        synchronized (this) {
            files = new ArrayList<>(open.values().stream().map(e -> e.file).toList());
        }
        for (RotatingLogFile f : files) {
            try {
                f.reopen();
            } catch (IOException e) {
                log.warn("cannot reopen log file {}: {}", f.path(), e.getMessage());
            }
        }
        log.info("reopened {} program log file{}", files.size(), files.size() == 1 ? "" : "s");
    }

    public synchronized int size() {
        return open.size();
    }

    public synchronized void closeAll() {
        open.values().forEach(e -> e.file.close());
        open.clear();
    }
}
