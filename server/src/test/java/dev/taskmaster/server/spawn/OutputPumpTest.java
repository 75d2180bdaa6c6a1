package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Pipe;
import dev.taskmaster.server.os.PosixSpawn;
import dev.taskmaster.server.os.SpawnRequest;
import dev.taskmaster.server.os.Stdio;
import dev.taskmaster.testkit.Poll;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pump with real children writing into real pipes, and sinks that cannot always take more. */
class OutputPumpTest {

    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C");

    /** A sink that counts bytes, refuses more while {@link #refusing}, and remembers how to resume. */
    static class Counting implements OutputPump.Sink {
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger batches = new AtomicInteger();
        final AtomicBoolean refusing = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicReference<Runnable> resume = new AtomicReference<>();
        volatile long lastByte = -1;
        volatile boolean inOrder = true;

        @Override
        public boolean write(ByteBuffer b, Runnable resume) {
            batches.incrementAndGet();
            // A counting child writes bytes 0, 1, 2… mod 251: any byte lost, doubled or reordered shows.
            long at = bytes.get();
            for (int i = b.position(); i < b.limit(); i++, at++) {
                if ((b.get(i) & 0xff) != at % 251) {
                    inOrder = false;
                }
            }
            bytes.addAndGet(b.remaining());
            if (refusing.get()) {
                this.resume.set(resume);
                return false;
            }
            return true;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Spawns a child whose stdout is a new pipe; returns {pid, read end}. */
    private static int[] spawn(String script) throws Exception {
        Pipe pipe = Pipe.create();
        int pid;
        try {
            pid = PosixSpawn.spawn(SpawnRequest.of(Path.of("/usr/bin/python3"), List.of("python3", "-c", script), ENV)
                    .withStdio(Stdio.devNull(), new Stdio.Fd(pipe.writeFd()), Stdio.devNull()));
        } finally {
            Fds.closeQuietly(pipe.writeFd());
        }
        return new int[] {pid, pipe.readFd()};
    }

    /** Writes {@code n} bytes 0, 1, 2… mod 251 to stdout in blocking writes of 64 KiB. */
    private static String counting(long n) {
        return "import os\nn=" + n + "\nblock=bytes(i % 251 for i in range(251*263))\nsent=0\n"
                + "while sent < n:\n  k=min(65536, n-sent)\n  off=sent % 251\n  os.write(1, block[off:off+k])\n  sent+=k\n";
    }

    /** Whether the process sleeps in a pipe write, as /proc says (its writes are held back). */
    private static boolean blockedInPipeWrite(int pid) {
        try {
            String wchan = Files.readString(Path.of("/proc/" + pid + "/wchan")).strip();
            String state = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return wchan.contains("pipe_write") && state.substring(state.lastIndexOf(')') + 2).startsWith("S");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aSinkThatRefusesHoldsItsWriterBackWhileOtherPipesFlow() throws Exception {
        long size = 8L * 1024 * 1024;
        try (OutputPump pump = new OutputPump()) {
            int[] held = spawn(counting(size));
            int[] free = spawn(counting(size));
            try {
                Counting heldSink = new Counting();
                heldSink.refusing.set(true);
                Counting freeSink = new Counting();
                pump.add(held[1], heldSink);
                pump.add(free[1], freeSink);
                // The other child's output all goes through while the first is held.
                Poll.until("the free child's output", () -> freeSink.closed.get());
                assertThat(freeSink.bytes.get()).isEqualTo(size);
                Poll.until("the held child to wait in its write", () -> blockedInPipeWrite(held[0]));
                assertThat(heldSink.batches.get()).as("nothing read after the refusal").isEqualTo(1);
                assertThat(heldSink.bytes.get()).isLessThan(size);
                // Resumed: it runs on, and every byte arrives, in order.
                heldSink.refusing.set(false);
                heldSink.resume.get().run();
                Poll.until("the held child's output", () -> heldSink.closed.get());
                assertThat(heldSink.bytes.get()).isEqualTo(size);
                assertThat(heldSink.inOrder).isTrue();
                assertThat(freeSink.inOrder).isTrue();
            } finally {
                PidFd.killAndReap(held[0]);
                PidFd.killAndReap(free[0]);
            }
        }
    }

    /** A resume can come before the pump has stopped reading (a retry on another thread): nothing may hang or go missing. */
    @Test
    void aResumeBeforeThePauseAndManyPausesLoseNothing() throws Exception {
        long size = 2L * 1024 * 1024;
        try (OutputPump pump = new OutputPump()) {
            for (int round = 0; round < 20; round++) {
                int[] child = spawn(counting(size));
                try {
                    AtomicInteger calls = new AtomicInteger();
                    Counting sink = new Counting() {
                        @Override
                        public boolean write(ByteBuffer b, Runnable resume) {
                            super.write(b, resume);
                            int n = calls.incrementAndGet();
                            if (n % 3 == 0) {
                                resume.run(); // before the pump has paused
                                return false;
                            }
                            if (n % 3 == 1) {
                                Thread.ofPlatform().start(resume); // racing the pause
                                return false;
                            }
                            return true;
                        }
                    };
                    pump.add(child[1], sink);
                    Poll.until("every byte of round " + round, () -> sink.closed.get());
                    assertThat(sink.bytes.get()).isEqualTo(size);
                    assertThat(sink.inOrder).isTrue();
                } finally {
                    PidFd.killAndReap(child[0]);
                }
            }
            assertThat(pump.size()).isZero();
        }
    }
}
