package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ReexecDaemonRequest;
import dev.taskmaster.proto.v1.ReexecDaemonResponse;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskmasterctl daemon reexec}: the daemon replaces its own program in place (same pid,
 * every program kept running), then this waits until the new one answers and says so.
 * Exit codes: 0 once the new program answers; 1 when the daemon refused (FAILED_PRECONDITION,
 * with its reason); 6 when it did not answer again within --wait; 7 without the admin role.
 */
@Command(name = "daemon", description = {"Act on the daemon itself. ACTION is:",
        "  reexec  replace the daemon's program in place (execve: same pid, every program kept running, no output lost),",
        "          taking up a new taskmasterd build and the configuration file, server section included;",
        "          waits until the new program answers."})
final class DaemonVerbCommand extends Verb {

    /** The actions; one today. */
    enum Action { reexec }

    @Parameters(paramLabel = "ACTION", description = "reexec")
    Action action;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for the new program to answer (default: 60s).")
    Duration wait;

    @Override
    public Integer call() {
        DaemonChannel daemon = root.daemon();
        long t0 = System.nanoTime();
        ReexecDaemonResponse accepted = rpc().reexecDaemon(ReexecDaemonRequest.getDefaultInstance());
        long before = DaemonReturn.startNanos(accepted.getStartTime());
        GetServerInfoResponse now = DaemonReturn.await(daemon, wait == null ? DaemonReturn.LIMIT : wait,
                info -> DaemonReturn.startNanos(info.getStartTime()) > before);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Instant started = Instant.ofEpochSecond(now.getStartTime().getSeconds(), now.getStartTime().getNanos());
        out().println("taskmasterd re-executed in " + millis + " ms: pid " + now.getPid() + " (was " + accepted.getPid()
                + "), version " + now.getVersion() + ", started " + started + ", events from #"
                + (accepted.getLatestSequence() + 1) + " on");
        out().flush();
        return now.getPid() == accepted.getPid() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
