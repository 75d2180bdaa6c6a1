package dev.taskmaster.server.transport.tls;

import dev.taskmaster.config.TlsSpec;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The TLS of one listener: its {@link SslContext} and the files behind it, which
 * {@link #reload} reads again without replacing the context, so open connections and streams
 * are untouched. Thread-safe.
 */
public final class ServerTls {

    /** TLS 1.2 and 1.3 only: everything older is broken or deprecated (RFC 8996). */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final TlsSpec spec;
    private final ReloadableKeyManager keys;
    private final Optional<ReloadableTrustManager> clients;
    private final SslContext context;

    private ServerTls(TlsSpec spec, ReloadableKeyManager keys, Optional<ReloadableTrustManager> clients,
            SslContext context) {
        this.spec = spec;
        this.keys = keys;
        this.clients = clients;
        this.context = context;
    }

    /** Reads the files of {@code spec} and builds the context; any problem is a message naming the file. */
    public static ServerTls load(TlsSpec spec) throws TlsFileException {
        ReloadableKeyManager keys = new ReloadableKeyManager(ServerIdentity.load(spec.cert(), spec.key()));
        Optional<ReloadableTrustManager> clients = Optional.empty();
        if (spec.clientCa().isPresent()) {
            clients = Optional.of(trust(spec.clientCa().get(), PemFiles.certificates(spec.clientCa().get())));
        }
        // The JDK's TLS, not OpenSSL's: it asks the key and trust managers at every handshake,
        // which is what lets a reload take effect for new connections.
        SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(keys), SslProvider.JDK)
                .protocols(PROTOCOLS);
        if (clients.isPresent()) {
            builder.clientAuth(ClientAuth.REQUIRE).trustManager(clients.get());
        }
        try {
            return new ServerTls(spec, keys, clients, builder.build());
        } catch (SSLException e) {
            throw new TlsFileException(spec.cert(), "cannot serve TLS with it: " + e.getMessage());
        }
    }

    private static ReloadableTrustManager trust(java.nio.file.Path file, List<X509Certificate> cas)
            throws TlsFileException {
        try {
            return new ReloadableTrustManager(cas);
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(file, "cannot trust these certificates: " + e.getMessage());
        }
    }

    public SslContext context() {
        return context;
    }

    /**
     * The same key and client trust managers for the JDK's own TLS (the HTTPS of
     * {@code server.metrics}), so that {@link #reload} reaches its handshakes too.
     */
    public javax.net.ssl.SSLContext jdkContext() throws GeneralSecurityException {
        javax.net.ssl.SSLContext jdk = javax.net.ssl.SSLContext.getInstance("TLS");
        jdk.init(new javax.net.ssl.KeyManager[] {keys},
                clients.map(t -> new javax.net.ssl.TrustManager[] {t}).orElse(null), null);
        return jdk;
    }

    public boolean mutual() {
        return clients.isPresent();
    }

    /** The client CAs as they are now (reloaded by SIGHUP); empty without {@code client_ca}. */
    public Optional<? extends javax.net.ssl.X509TrustManager> clientTrust() {
        return clients;
    }

    public ServerIdentity identity() {
        return keys.identity();
    }

    /**
     * Reads the certificate, key and client CAs again. A part that cannot be used (unreadable,
     * not matching, expired) keeps what is served now; the outcome says what happened to each.
     */
    public List<Outcome> reload() {
        List<Outcome> outcomes = new ArrayList<>();
        try {
            ServerIdentity next = ServerIdentity.load(spec.cert(), spec.key());
            Optional<String> invalid = next.invalidAt(Instant.now());
            if (invalid.isPresent()) {
                outcomes.add(new Outcome.Kept("certificate", spec.cert() + ": " + invalid.get()));
            } else if (next.chain().equals(keys.identity().chain()) && next.key().equals(keys.identity().key())) {
                outcomes.add(new Outcome.Unchanged("certificate"));
            } else {
                keys.update(next);
                outcomes.add(new Outcome.Replaced("certificate", next.describe()));
            }
        } catch (TlsFileException e) {
            outcomes.add(new Outcome.Kept("certificate", e.getMessage()));
        }
        if (clients.isPresent()) {
            java.nio.file.Path file = spec.clientCa().orElseThrow();
            try {
                List<X509Certificate> cas = PemFiles.certificates(file);
                if (cas.equals(clients.get().authorities())) {
                    outcomes.add(new Outcome.Unchanged("client CA"));
                } else {
                    clients.get().update(cas);
                    outcomes.add(new Outcome.Replaced("client CA", cas.size() + (cas.size() == 1 ? " certificate" : " certificates")
                            + " from " + file));
                }
            } catch (TlsFileException e) {
                outcomes.add(new Outcome.Kept("client CA", e.getMessage()));
            } catch (GeneralSecurityException e) {
                outcomes.add(new Outcome.Kept("client CA", file + ": cannot trust these certificates: " + e.getMessage()));
            }
        }
        return outcomes;
    }

    /** What a reload did with one part of the TLS files. */
    public sealed interface Outcome {
        String part();

        /** The files hold what is served already. */
        record Unchanged(String part) implements Outcome {
        }

        /** New handshakes get the new part, described. */
        record Replaced(String part, String what) implements Outcome {
        }

        /** The new part cannot be used, for the reason given; the current one stays. */
        record Kept(String part, String why) implements Outcome {
        }
    }
}
