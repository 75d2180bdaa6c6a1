package dev.taskmaster.server.security;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

/**
 * The daemon's one way of telling who calls, whatever the transport:
 * <ul>
 * <li>Unix socket: the peer's uid from {@code SO_PEERCRED} ({@link LocalAccess}); any token sent
 *     is ignored, the kernel's word is better;
 * <li>TCP: a bearer token when the call sends {@code authorization: Bearer <token>}
 *     ({@link Tokens}), else the client certificate that TLS verified ({@link CertificateRoles}).
 *     Failures are counted per address ({@link FailedAttempts}); an address with too many is
 *     refused before its credentials are looked at.
 * </ul>
 * Thread-safe.
 */
public final class Identities implements Authenticator {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";

    private final LocalAccess local;
    private final CertificateRoles certificates;
    private final Tokens tokens;
    private final FailedAttempts failures;
    private final ClientTrust clientTrust;

    /**
     * The client CAs a TCP listener trusts now, by the local address a call came in on; empty
     * when that listener asks for no client certificate. Called on gRPC's threads.
     */
    @FunctionalInterface
    public interface ClientTrust {
        Optional<X509TrustManager> of(SocketAddress local);

        ClientTrust NONE = local -> Optional.empty();
    }

    public Identities(LocalAccess local, CertificateRoles certificates, Tokens tokens, FailedAttempts failures) {
        this(local, certificates, tokens, failures, ClientTrust.NONE);
    }

    /**
     * @param clientTrust each call's client certificate is checked again against what its
     *                    listener trusts now: the TLS handshake checked it against the CAs of
     *                    that moment, and a connection (or a resumed TLS session) outlives a
     *                    change of CA by SIGHUP and the certificate's own expiry
     */
    public Identities(LocalAccess local, CertificateRoles certificates, Tokens tokens, FailedAttempts failures,
            ClientTrust clientTrust) {
        this.local = local;
        this.certificates = certificates;
        this.tokens = tokens;
        this.failures = failures;
        this.clientTrust = clientTrust;
    }

    @Override
    public Caller authenticate(Attributes transport, Metadata headers) throws StatusException {
        UnixPeer peer = transport.get(UnixPeer.KEY);
        if (peer != null) {
            return local.caller(peer);
        }
        SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return remote(inet, transport.get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR), transport, headers);
        }
        throw Status.UNAUTHENTICATED.withDescription("cannot identify callers on this transport ("
                + remote + "); use the Unix socket or a TCP listener").asException();
    }

    private Caller remote(InetSocketAddress inet, SocketAddress local, Attributes transport, Metadata headers)
            throws StatusException {
        String where = "tcp " + Transports.hostPort(inet);
        String authorization = headers.get(AUTHORIZATION);
        List<X509Certificate> chain = clientChain(transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        // A certificate the TLS handshake verified is not guessed: failed attempts of others from
        // the same address (a NAT, an ssh tunnel, a local user on 127.0.0.1) must not lock it out.
        if (authorization != null || chain.isEmpty()) {
            Duration wait = failures.refusedFor(inet.getAddress());
            if (!wait.isZero()) {
                throw Status.UNAUTHENTICATED.withDescription("too many failed attempts from "
                        + inet.getAddress().getHostAddress() + "; try again in " + Math.max(1, wait.toSeconds()) + " s")
                        .asException();
            }
        }
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    || authorization.substring(BEARER.length()).isBlank()) {
                throw failed(inet, "the authorization header must be \"Bearer <token>\"");
            }
            Optional<Token> token = tokens.check(authorization.substring(BEARER.length()).strip());
            if (token.isEmpty()) {
                throw failed(inet, "the bearer token is not one this daemon accepts");
            }
            return new Caller("token " + token.get().name(), token.get().role(), where);
        }
        if (!chain.isEmpty()) {
            stillTrusted(chain, local);
            return certificates.caller(chain.getFirst(), where);
        }
        throw failed(inet, "no credentials: present a client certificate (mutual TLS) or send"
                + " \"authorization: Bearer <token>\"");
    }

    private StatusException failed(InetSocketAddress inet, String why) {
        failures.failed(inet.getAddress());
        return Status.UNAUTHENTICATED.withDescription(why).asException();
    }

    /** Refuses a chain the listener no longer trusts: its CA was replaced, or it expired since the handshake. */
    private void stillTrusted(List<X509Certificate> chain, SocketAddress local) throws StatusException {
        Optional<X509TrustManager> trust = clientTrust.of(local);
        if (trust.isEmpty()) {
            return;
        }
        try {
            trust.get().checkClientTrusted(chain.toArray(X509Certificate[]::new),
                    chain.getFirst().getPublicKey().getAlgorithm());
        } catch (CertificateException | IllegalArgumentException e) {
            throw Status.UNAUTHENTICATED.withDescription("the client certificate " + chain.getFirst()
                    .getSubjectX500Principal().getName() + " is no longer trusted by this listener (" + e.getMessage()
                    + "); reconnect with a current one").asException();
        }
    }

    private static List<X509Certificate> clientChain(SSLSession session) {
        if (session == null) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new java.util.ArrayList<>();
            for (Certificate c : session.getPeerCertificates()) {
                if (!(c instanceof X509Certificate x)) {
                    return List.of();
                }
                chain.add(x);
            }
            return chain;
        } catch (SSLPeerUnverifiedException none) {
            return List.of(); // TLS without a client certificate
        }
    }
}
