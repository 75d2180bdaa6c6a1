package dev.taskmaster.server.spawn;

import dev.taskmaster.server.os.Epoll;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves captured output from children's pipes into sinks (log files) on one thread, with
 * epoll: a thousand chatty programs do not mean two thousand threads. When a sink is slow the
 * pump waits for it, the pipe fills, and the child is slowed down. When a sink cannot take
 * more at all (its log file cannot be written, under {@code on_log_full: block}), it says so
 * and the pump stops reading that one pipe until the sink resumes it: that child is held back
 * by its full pipe while every other pipe keeps flowing. Whether bytes a sink cannot write are
 * kept or dropped is the sink's policy, not the pump's: the pump never drops a byte it read.
 * {@link #add} may be called from any thread; sinks are called on the pump thread only.
 */
public final class OutputPump implements AutoCloseable {

    /** Where the bytes of one pipe go. Called on the pump thread. */
    public interface Sink {
        /**
         * Takes one batch. Returns false to stop reading this pipe (the sink keeps the batch):
         * the pump reads it again once {@code resume} has run, which may be from any thread, at
         * any time, even before this call returns.
         */
        boolean write(ByteBuffer bytes, Runnable resume) throws IOException;

        /** End of the stream: the child (and everything it shared the pipe with) closed it. */
        void close();
    }

    private static final Logger log = LoggerFactory.getLogger(OutputPump.class);
    /** Bytes per read: with {@link #PIPE_SIZE} pipes, a flooding program is drained in few, large reads. */
    private static final int CHUNK = 256 * 1024;
    /** Pipe buffer asked for: four times the default, so a flooding program blocks less often; a terminal ignores it. */
    private static final int PIPE_SIZE = 256 * 1024;
    /** Reads per pipe per wake-up, so one flooding program cannot starve the others. */
    private static final int READS_PER_TURN = 16;

    /** One pipe. Its pause state is guarded by its own lock: the pump pauses it, any thread resumes it. */
    private final class Stream {
        final int fd;
        final Sink sink;
        long token;
        /** Made once, so that a batch costs no allocation. */
        final Runnable resume = this::resume;
        private boolean paused;
        /** A resume that came before the pause it answers. */
        private boolean resumeEarly;
        private boolean ended;

        Stream(int fd, Sink sink) {
            this.fd = fd;
            this.sink = sink;
        }

        /** The sink refused more: stop watching the pipe, unless it has already asked to go on. Pump thread. */
        synchronized void pause() {
            if (resumeEarly) {
                resumeEarly = false; // still watched: epoll reports it again
                return;
            }
            try {
                loop.pause(fd);
                paused = true;
            } catch (NativeException e) {
                log.warn("cannot stop reading output fd {}: {}", fd, e.getMessage());
            }
        }

        synchronized void resume() {
            if (ended) {
                return;
            }
            if (!paused) {
                resumeEarly = true;
                return;
            }
            try {
                loop.resume(token, fd, Epoll.EPOLLIN);
                paused = false;
            } catch (NativeException e) {
                log.error("cannot read output fd {} again: {}", fd, e.getMessage());
            }
        }

        synchronized void end() {
            ended = true;
        }
    }

    private final EpollLoop loop;
    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
    /** Used by the pump thread only; freed with the pump. */
    private final MemorySegment buf = Arena.ofAuto().allocate(CHUNK);

    public OutputPump() throws NativeException {
        loop = new EpollLoop("output-pump");
    }

    /** Takes ownership of {@code readFd}: it is read until end of file, then closed, and the sink closed. */
    public void add(int readFd, Sink sink) throws NativeException {
        Fds.setNonBlocking(readFd, true);
        Fds.setPipeSize(readFd, PIPE_SIZE); // best effort: a smaller pipe only costs more wake-ups
        Stream s = new Stream(readFd, sink);
        synchronized (streams) {
            s.token = loop.add(readFd, Epoll.EPOLLIN, this::pump);
            streams.put(s.token, s);
        }
    }

    private void pump(long token, int events) {
        Stream s;
        synchronized (streams) {
            s = streams.get(token);
        }
        if (s == null) {
            return;
        }
        for (int i = 0; i < READS_PER_TURN; i++) {
            long n;
            try {
                n = Fds.read(s.fd, buf, CHUNK);
            } catch (NativeException e) {
                // EIO is how a terminal's master says the last holder of the slave has gone: its end of file.
                if (e.errno() != dev.taskmaster.server.os.Errno.EIO) {
                    log.warn("reading output fd {}: {}", s.fd, e.getMessage());
                }
                n = 0;
            }
            if (n == Fds.WOULD_BLOCK) {
                return; // drained for now
            }
            if (n == 0) {
                finish(token, s);
                return;
            }
            boolean more = true;
            try {
                more = s.sink.write(buf.asSlice(0, n).asByteBuffer(), s.resume);
            } catch (IOException | RuntimeException e) {
                log.warn("writing captured output: {}", e.getMessage());
            }
            if (!more) {
                s.pause();
                return;
            }
        }
    }

    private void finish(long token, Stream s) {
        streams.remove(token);
        s.end();
        loop.remove(token, s.fd);
        Fds.closeQuietly(s.fd);
        try {
            s.sink.close();
        } catch (RuntimeException e) {
            log.warn("closing output sink: {}", e.getMessage());
        }
    }

    /**
     * Stops reading, for a re-exec: returns once every byte read so far has been handed to its
     * sink (written to its log file); what is still in the pipes stays in the kernel, for the
     * next program to read. {@link #resumeReading} undoes it.
     *
     * @return false when the pump did not stop within {@code millis}
     */
    public boolean stopReading(long millis) throws InterruptedException {
        return loop.suspend(millis);
    }

    /** Reads again after {@link #stopReading}. */
    public void resumeReading() {
        loop.unsuspend();
    }

    /** The pipes (and terminal masters) being read: the descriptors a re-exec keeps open. */
    public java.util.List<Integer> descriptors() {
        return streams.values().stream().map(s -> s.fd).toList();
    }

    /** How many pipes are still open (paused ones included). */
    public int size() {
        return streams.size();
    }

    @Override
    public void close() {
        loop.close();
        streams.values().forEach(s -> {
            s.end();
            Fds.closeQuietly(s.fd);
            s.sink.close();
        });
    }
}
