package dev.taskmaster.server.transport;

import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.server.transport.tls.ServerTls;
import dev.taskmaster.server.transport.tls.TlsFileException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.Locale;
import java.util.Optional;

/**
 * One TCP listener made ready to bind: its address resolved, its TLS files read and checked.
 * {@link #prepare} does all that can fail before the daemon starts anything, so that a busy
 * port or a bad key ends the start with one line. Immutable once prepared (the TLS inside
 * reloads itself).
 */
public final class TcpEndpoint {

    private final ListenerSpec spec;
    private final InetSocketAddress bindTo;
    private final Optional<ServerTls> tls;

    private TcpEndpoint(ListenerSpec spec, InetSocketAddress bindTo, Optional<ServerTls> tls) {
        this.spec = spec;
        this.bindTo = bindTo;
        this.tls = tls;
    }

    /**
     * Resolves the address, loads the TLS files, and checks that the port can be bound now
     * (the real bind comes later, with the rest of the API). The message of the exception is
     * the whole story: "cannot listen on 127.0.0.1:7443: address already in use".
     */
    public static TcpEndpoint prepare(ListenerSpec spec) throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(spec.host());
        } catch (UnknownHostException e) {
            throw cannot(spec.address(), "unknown host " + spec.host());
        }
        if (spec.tls().isEmpty() && !address.isLoopbackAddress()) {
            // The configuration allows "localhost" by name; that name must also mean loopback here.
            throw cannot(spec.address(), spec.host() + " is " + address.getHostAddress()
                    + ", not a loopback address, and a listener without tls must stay on loopback");
        }
        Optional<ServerTls> tls = Optional.empty();
        if (spec.tls().isPresent()) {
            try {
                tls = Optional.of(ServerTls.load(spec.tls().get()));
            } catch (TlsFileException e) {
                throw cannot(spec.address(), e.getMessage());
            }
        }
        InetSocketAddress bindTo = new InetSocketAddress(address, spec.port());
        if (spec.port() != 0) {
            probe(spec.address(), bindTo);
        }
        return new TcpEndpoint(spec, bindTo, tls);
    }

    /** Binds and closes at once: a port taken or an address not ours shows now, before any program starts. */
    private static void probe(String address, InetSocketAddress bindTo) throws IOException {
        // In the address's own family: an IPv6 socket bound to 0.0.0.0 would take [::] as well.
        StandardProtocolFamily family = bindTo.getAddress() instanceof java.net.Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        try (ServerSocketChannel channel = ServerSocketChannel.open(family)) {
            channel.bind(bindTo);
        } catch (IOException e) {
            throw bindFailure(address, e);
        }
    }

    /** The one line for a bind that failed, from the exception (or its cause) that says why. */
    static IOException bindFailure(String address, Throwable failure) {
        Throwable cause = failure;
        while (!(cause instanceof BindException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        why = why.replaceFirst("^bind\\(\\.\\.\\) failed: ", "");
        why = why.isEmpty() ? why : why.substring(0, 1).toLowerCase(Locale.ROOT) + why.substring(1);
        if (why.startsWith("cannot assign requested address")) {
            why += " (it is not an address of this machine)";
        } else if (why.startsWith("permission denied")) {
            why += " (ports below 1024 need root)";
        }
        return cannot(address, why);
    }

    private static IOException cannot(String address, String why) {
        return new IOException("cannot listen on " + address + ": " + why);
    }

    public ListenerSpec spec() {
        return spec;
    }

    InetSocketAddress bindTo() {
        return bindTo;
    }

    public Optional<ServerTls> tls() {
        return tls;
    }

    /** What it serves, for the log: "TLS, client certificates required", "TLS", or plaintext. */
    String describe() {
        if (tls.isEmpty()) {
            return "plaintext, loopback only";
        }
        return tls.get().mutual() ? "TLS, client certificates required" : "TLS";
    }

    /** For the log: the address, and what a host name resolved to ("localhost:7443 at 127.0.0.1"). */
    String where(int boundPort) {
        boolean literal = spec.host().matches("[0-9.]+") || spec.host().indexOf(':') >= 0;
        return address(boundPort) + (literal ? "" : " at " + bindTo.getAddress().getHostAddress());
    }

    /** The address as configured, with the port actually bound (the one the system chose for 0). */
    String address(int boundPort) {
        return ListenerSpec.hostPort(spec.host(), boundPort);
    }
}
