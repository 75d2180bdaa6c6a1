package dev.taskmaster.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Unix socket of its own that relays every connection to the daemon's socket, so a test can
 * break a client's connection for real ({@link #cut()}: the socket vanishes and open
 * connections are closed, as when the daemon's socket goes away) and bring it back
 * ({@link #listen()}), while the daemon and its event journal live on.
 *
 * <p>Threading: {@link #listen()}, {@link #cut()} and {@link #close()} are called by the test
 * thread (they are synchronized); one virtual thread accepts connections and two per connection
 * copy bytes, each ending when its channel is closed.
 */
final class SocketRelay implements AutoCloseable {

    private final Path front;
    private final Path back;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private ServerSocketChannel server;

    /** A relay listening on {@code front} (a path that must not exist yet) for {@code back}. */
    SocketRelay(Path front, Path back) {
        this.front = front;
        this.back = back;
        listen();
    }

    Path path() {
        return front;
    }

    /** Creates the socket and accepts connections on it again. */
    synchronized void listen() {
        try {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(front));
            server = s;
            Thread.ofVirtual().name("relay-accept").start(() -> accept(s));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + front, e);
        }
    }

    /** Removes the socket and closes every relayed connection: clients see the daemon go away. */
    synchronized void cut() {
        try {
            if (server != null) {
                server.close();
                server = null;
            }
            Files.deleteIfExists(front);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + front, e);
        }
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
        open.clear();
    }

    private void accept(ServerSocketChannel s) {
        try {
            while (true) {
                SocketChannel client = s.accept();
                SocketChannel daemon;
                try {
                    daemon = SocketChannel.open(UnixDomainSocketAddress.of(back));
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                if (!register(s, client, daemon)) {
                    closeQuietly(client);
                    closeQuietly(daemon);
                    return;
                }
                Thread.ofVirtual().name("relay-up").start(() -> copy(client, daemon));
                Thread.ofVirtual().name("relay-down").start(() -> copy(daemon, client));
            }
        } catch (IOException e) {
            // The server channel was closed by cut() or close(): nothing more to accept.
        }
    }

    /** Keeps a new connection for cut(), unless cut() already closed the socket it came from. */
    private synchronized boolean register(ServerSocketChannel s, SocketChannel client, SocketChannel daemon) {
        if (server != s) {
            return false;
        }
        open.add(client);
        open.add(daemon);
        return true;
    }

    /** Copies until either side ends, then closes both, so the other direction ends too. */
    private void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // A side closed (by cut(), the client or the daemon): the connection is over.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing a broken channel: nothing to do about it.
        }
    }

    @Override
    public synchronized void close() {
        cut();
    }
}
