package dev.taskmaster.client;

import java.util.Objects;

/**
 * One daemon to talk to and how: its address, its security settings, and the context it came
 * from (null when it came from flags or the local default). Immutable.
 */
public record DaemonTarget(ServerAddress address, ClientSecurity security, String context) {

    public DaemonTarget {
        Objects.requireNonNull(address);
        Objects.requireNonNull(security);
    }

    /** A local daemon's Unix socket, nothing else. */
    public static DaemonTarget unix(java.nio.file.Path socket) {
        return new DaemonTarget(new ServerAddress.Unix(socket.toAbsolutePath()), ClientSecurity.NONE, null);
    }

    /** How a person names it: the context if there is one, else the address ({@code web1:7443}, {@code unix:///…}). */
    public String label() {
        return context != null ? context : address.toString();
    }

    /** True for a TCP target dialled with TLS. */
    public boolean tls() {
        return address instanceof ServerAddress.Tcp && !security.plaintext();
    }
}
