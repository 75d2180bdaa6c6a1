package dev.taskmaster.server.security;

import io.grpc.Attributes;

/**
 * The process at the other end of a Unix socket connection, as the kernel reported it
 * ({@code SO_PEERCRED}) when it connected: its effective uid and gid, and its pid. Immutable.
 */
public record UnixPeer(int pid, int uid, int gid) {

    /** Transport attribute under which {@link UnixPeerCredentials} stores the peer of a connection. */
    public static final Attributes.Key<UnixPeer> KEY = Attributes.Key.create("taskmaster.unix-peer");
}
