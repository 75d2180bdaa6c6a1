package dev.taskmaster.tui;

import dev.taskmaster.proto.v1.GetServerInfoResponse;
import java.time.Instant;

/** One daemon as the screen shows it: its connection and what it said about itself. Owned by the UI thread. */
final class DaemonView {

    /** The connection to a daemon. */
    enum Link {
        /** Dialling (first attempt, or a retry). */
        CONNECTING,
        /** Its event stream is open and this client's view of it is current. */
        CONNECTED,
        /** Not reachable; a retry is scheduled. Its rows are its last known state. */
        DISCONNECTED
    }

    final String label;
    Link link = Link.CONNECTING;
    /** Why it is disconnected; empty otherwise. */
    String error = "";
    /** When the next connection attempt is due (when disconnected), else null. */
    Instant retryAt;
    /** What the daemon said about itself on the last connection, or null before the first. */
    GetServerInfoResponse info;
    /** When {@link #info} was received (its uptime was true then). */
    Instant infoAt;
    /** Incremented on every successful connection: followers of a previous connection are over. */
    int generation;
    /** The event journal this client's rows come from, and the last sequence applied. */
    String journalId = "";
    long sequence;

    DaemonView(String label) {
        this.label = label;
    }

    /** The daemon's uptime at {@code now}, in seconds; -1 when unknown. */
    long uptimeSeconds(Instant now) {
        if (info == null || !info.hasUptime() || infoAt == null) {
            return -1;
        }
        return info.getUptime().getSeconds() + Math.max(0, now.getEpochSecond() - infoAt.getEpochSecond());
    }
}
