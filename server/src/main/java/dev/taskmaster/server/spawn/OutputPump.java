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
 * pump waits for it, the pipe fills, and the child is slowed down: bytes are never dropped.
 * {@link #add} may be called from any thread; sinks are called on the pump thread only.
 */
public final class OutputPump implements AutoCloseable {

    /** Where the bytes of one pipe go. Called on the pump thread. */
    public interface Sink {
        void write(ByteBuffer bytes) throws IOException;

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

    private record Stream(int fd, Sink sink) {
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
        synchronized (streams) {
            long token = loop.add(readFd, Epoll.EPOLLIN, this::pump);
            streams.put(token, new Stream(readFd, sink));
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
                n = Fds.read(s.fd(), buf, CHUNK);
            } catch (NativeException e) {
                // EIO is how a terminal's master says the last holder of the slave has gone: its end of file.
                if (e.errno() != dev.taskmaster.server.os.Errno.EIO) {
                    log.warn("reading output fd {}: {}", s.fd(), e.getMessage());
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
            try {
                s.sink().write(buf.asSlice(0, n).asByteBuffer());
            } catch (IOException | RuntimeException e) {
                log.warn("writing captured output: {}", e.getMessage());
            }
        }
    }

    private void finish(long token, Stream s) {
        streams.remove(token);
        loop.remove(token, s.fd());
        Fds.closeQuietly(s.fd());
        try {
            s.sink().close();
        } catch (RuntimeException e) {
            log.warn("closing output sink: {}", e.getMessage());
        }
    }

    /** How many pipes are still open. */
    public int size() {
        return streams.size();
    }

    @Override
    public void close() {
        loop.close();
        streams.values().forEach(s -> {
            Fds.closeQuietly(s.fd());
            s.sink().close();
        });
    }
}
