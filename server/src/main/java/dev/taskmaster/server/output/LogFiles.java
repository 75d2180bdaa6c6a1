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
    public RotatingLogFile acquire(Path path, RotatingLogFile.Settings settings) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        synchronized (this) {
            Entry e = open.get(key);
            if (e != null) {
                return share(e, settings);
            }
        }
        // Opened (created, perhaps with its directory) outside the lock: programs that start
        // together open their logs on several threads at once.
        RotatingLogFile opened = new RotatingLogFile(key, settings);
        synchronized (this) {
            Entry e = open.get(key);
            if (e != null) {
                // Another thread opened the same file meanwhile (two instances sharing a log).
                opened.close();
                return share(e, settings);
            }
            e = new Entry(opened);
            open.put(key, e);
            e.users++;
            return opened;
        }
    }

    private RotatingLogFile share(Entry e, RotatingLogFile.Settings settings) throws IOException {
        e.file.settings(settings);
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
