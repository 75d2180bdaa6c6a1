package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A daemon that re-executes itself ({@code taskmasterctl daemon reexec}) ends every stream with
 * UNAVAILABLE "taskmasterd is re-executing itself; reconnect and resume", is unreachable for a
 * moment, then answers again from the same socket with the same processes. Followers
 * ({@code events -f}, {@code tail -f}, {@code logs -f}, {@code attach}) wait for it here and resume
 * by sequence or offset. Used on the calling thread; interruptible.
 */
final class DaemonReturn {

    /** How long a follower waits for a re-executing daemon before it gives up. */
    static final Duration LIMIT = Duration.ofSeconds(60);
    /**
     * One attempt's wait: a connection refused leaves the channel waiting out its backoff, so
     * attempts are short and each one resets the backoff, trying again at once.
     */
    private static final long ATTEMPT_MILLIS = 200;
    /** What the daemon's status says when it re-executes (TaskmasterService.REEXECUTING). */
    private static final String MARK = "re-executing";

    private DaemonReturn() {
    }

    /**
     * Whether a follower that saw the daemon re-execute until {@code until} (System.nanoTime) should
     * go on after {@code e}: the re-exec's own status, or the daemon unreachable meanwhile.
     */
    static boolean resumable(Throwable e, long until) {
        return isReexec(e) || (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE
                && System.nanoTime() < until);
    }

    /** Whether {@code e} ended a stream because the daemon is re-executing. */
    static boolean isReexec(Throwable e) {
        return e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE
                && s.getStatus().getDescription() != null && s.getStatus().getDescription().contains(MARK);
    }

    /**
     * Waits until the daemon answers GetServerInfo with what {@code wanted} accepts (the new
     * program), retrying the connection as soon as it can.
     *
     * @throws CtlException with {@link ExitCodes#UNREACHABLE} when it does not within {@code limit}
     */
    static GetServerInfoResponse await(DaemonChannel daemon, Duration limit, Predicate<GetServerInfoResponse> wanted) {
        long deadline = System.nanoTime() + limit.toNanos();
        StatusRuntimeException last = null;
        while (System.nanoTime() < deadline) {
            // The channel backs off after failed connections (1 s, then more): the daemon is back sooner.
            daemon.channel().resetConnectBackoff();
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            try {
                GetServerInfoResponse info = daemon.unboundedBlockingStub().withWaitForReady()
                        .withDeadlineAfter(Math.min(ATTEMPT_MILLIS, left), TimeUnit.MILLISECONDS)
                        .getServerInfo(GetServerInfoRequest.getDefaultInstance());
                if (wanted.test(info)) {
                    return info;
                }
                // Still the program before the exec, finishing its answers: ask again shortly.
                Thread.sleep(20);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
                    throw e;
                }
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
            }
        }
        throw new CtlException(ExitCodes.UNREACHABLE, "taskmasterd did not answer again within " + limit.toSeconds()
                + " s of its re-exec" + (last == null ? "" : " (" + last.getStatus().getCode() + ": "
                        + last.getStatus().getDescription() + ")"));
    }

    /** The moment a GetServerInfo answer says its program started, in nanoseconds since the epoch. */
    static long startNanos(com.google.protobuf.Timestamp t) {
        return t.getSeconds() * 1_000_000_000L + t.getNanos();
    }
}
