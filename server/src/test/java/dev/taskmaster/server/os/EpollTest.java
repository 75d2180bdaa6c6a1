package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EpollTest {

    record Event(long token, int events) {}

    private static List<Event> waitFor(Epoll epoll, int timeoutMillis) throws NativeException {
        List<Event> events = new ArrayList<>();
        epoll.wait(timeoutMillis, (token, ev) -> events.add(new Event(token, ev)));
        return events;
    }

    private static void writeByte(int fd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(1);
            b.set(JAVA_BYTE, 0, (byte) 'x');
            assertThat(Fds.write(fd, b, 1)).isEqualTo(1);
        }
    }

    @Test
    void pipeReadinessDeliversTheFullToken() throws Exception {
        // Tokens with bits in every byte: a wrong epoll_event layout would mangle them.
        long tokenA = 0x1122334455667788L;
        long tokenB = -2L;
        Pipe a = Pipe.create();
        Pipe b = Pipe.create();
        try (Epoll epoll = Epoll.create()) {
            epoll.add(a.readFd(), Epoll.EPOLLIN, tokenA);
            epoll.add(b.readFd(), Epoll.EPOLLIN, tokenB);
            assertThat(waitFor(epoll, 0)).isEmpty();

            writeByte(a.writeFd());
            assertThat(waitFor(epoll, 5000)).containsExactly(new Event(tokenA, Epoll.EPOLLIN));

            writeByte(b.writeFd());
            assertThat(waitFor(epoll, 5000)).containsExactlyInAnyOrder(
                    new Event(tokenA, Epoll.EPOLLIN), new Event(tokenB, Epoll.EPOLLIN));

            Fds.close(a.writeFd());
            assertThat(waitFor(epoll, 5000)).contains(new Event(tokenA, Epoll.EPOLLIN | Epoll.EPOLLHUP));

            epoll.remove(a.readFd());
            epoll.remove(b.readFd());
            assertThat(waitFor(epoll, 0)).isEmpty();
            assertThatThrownBy(() -> epoll.remove(b.readFd()))
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
        } finally {
            Fds.close(a.readFd());
            Fds.close(b.readFd());
            Fds.close(b.writeFd());
        }
    }

    @Test
    void oneShotAndModify() throws Exception {
        Pipe p = Pipe.create();
        try (Epoll epoll = Epoll.create()) {
            epoll.add(p.readFd(), Epoll.EPOLLIN | Epoll.EPOLLONESHOT, 1);
            assertThatThrownBy(() -> epoll.add(p.readFd(), Epoll.EPOLLIN, 1))
                    .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
            writeByte(p.writeFd());
            assertThat(waitFor(epoll, 5000)).containsExactly(new Event(1, Epoll.EPOLLIN));
            assertThat(waitFor(epoll, 0)).as("one-shot: disarmed").isEmpty();
            epoll.modify(p.readFd(), Epoll.EPOLLIN | Epoll.EPOLLONESHOT, 2);
            assertThat(waitFor(epoll, 5000)).containsExactly(new Event(2, Epoll.EPOLLIN));
        } finally {
            Fds.close(p.readFd());
            Fds.close(p.writeFd());
        }
    }

    @Test
    void manyReadyDescriptorsAcrossSeveralWaits() throws Exception {
        int count = 40;
        List<Pipe> pipes = new ArrayList<>();
        try (Epoll epoll = Epoll.create(16)) {
            for (int i = 0; i < count; i++) {
                Pipe p = Pipe.create();
                pipes.add(p);
                epoll.add(p.readFd(), Epoll.EPOLLIN | Epoll.EPOLLONESHOT, 1000L + i);
                writeByte(p.writeFd());
            }
            List<Long> tokens = new ArrayList<>();
            while (tokens.size() < count) {
                int n = epoll.wait(5000, (token, events) -> tokens.add(token));
                assertThat(n).isBetween(1, 16);
            }
            assertThat(tokens).doesNotHaveDuplicates().allMatch(t -> t >= 1000 && t < 1000 + count);
        } finally {
            for (Pipe p : pipes) {
                Fds.close(p.readFd());
                Fds.close(p.writeFd());
            }
        }
    }

    @Test
    void eventFdWakesAWaitingThread() throws Exception {
        try (Epoll epoll = Epoll.create(); EventFd wake = EventFd.create()) {
            epoll.add(wake.fd(), Epoll.EPOLLIN, 7);
            for (int round = 0; round < 200; round++) {
                boolean early = round % 2 == 0;
                if (early) {
                    wake.signal();
                    wake.signal(); // several signals before a drain collapse into one wake-up
                }
                CountDownLatch started = new CountDownLatch(1);
                AtomicInteger woken = new AtomicInteger();
                Thread loop = Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        while (woken.get() == 0) {
                            epoll.wait(-1, (token, events) -> {
                                assertThat(token).isEqualTo(7);
                                assertThat(wake.drain()).isTrue();
                                woken.incrementAndGet();
                            });
                        }
                    } catch (NativeException e) {
                        throw new AssertionError(e);
                    }
                });
                started.await();
                if (!early) {
                    wake.signal(); // most likely while the loop is blocked in epoll_wait
                }
                assertThat(loop.join(java.time.Duration.ofSeconds(10))).as("woken in round " + round).isTrue();
                assertThat(woken.get()).isEqualTo(1);
                assertThat(wake.drain()).isFalse();
            }
        }
    }

    @Test
    void pidfdBecomesReadableWhenTheChildExits() throws Exception {
        try (Epoll epoll = Epoll.create()) {
            for (int i = 0; i < 50; i++) {
                int pid = PosixSpawn.spawn(Children.request("/bin/sleep", "sleep", "30"));
                int pidfd = PidFd.open(pid);
                epoll.add(pidfd, Epoll.EPOLLIN, pid);
                assertThat(waitFor(epoll, 0)).isEmpty();
                Signals.kill(pid, i % 2 == 0 ? Signals.SIGKILL : Signals.SIGTERM);
                List<Event> events = waitFor(epoll, 10_000);
                assertThat(events).hasSize(1);
                assertThat(events.getFirst().token()).isEqualTo(pid);
                assertThat(events.getFirst().events() & Epoll.EPOLLIN).isNotZero();
                // Readable means reapable: no polling needed.
                assertThat(PidFd.tryWait(pidfd)).contains(
                        new WaitStatus.Killed(i % 2 == 0 ? Signals.SIGKILL : Signals.SIGTERM, false));
                epoll.remove(pidfd);
                Fds.close(pidfd);
            }
        }
    }

    @Test
    void oneLoopReapsManyChildren() throws Exception {
        int children = 30;
        Map<Long, Integer> pidfds = new java.util.HashMap<>();
        List<WaitStatus> statuses = new ArrayList<>();
        try (Epoll epoll = Epoll.create()) {
            for (int i = 0; i < children; i++) {
                int pid = PosixSpawn.spawn(Children.sh("exit " + i));
                int pidfd = PidFd.open(pid);
                pidfds.put((long) pid, pidfd);
                epoll.add(pidfd, Epoll.EPOLLIN, pid);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (statuses.size() < children && System.nanoTime() < deadline) {
                epoll.wait(1000, (token, events) -> {
                    int pidfd = pidfds.get(token);
                    try {
                        statuses.add(PidFd.tryWait(pidfd).orElseThrow());
                        epoll.remove(pidfd);
                        Fds.close(pidfd);
                    } catch (NativeException e) {
                        throw new AssertionError(e);
                    }
                });
            }
        }
        assertThat(statuses).hasSize(children);
        assertThat(statuses.stream().map(s -> ((WaitStatus.Exited) s).code()))
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, children).boxed().toList());
    }

    @Test
    void closeIsIdempotent() throws Exception {
        Epoll epoll = Epoll.create();
        epoll.close();
        epoll.close();
        EventFd e = EventFd.create();
        e.close();
        e.close();
    }
}
