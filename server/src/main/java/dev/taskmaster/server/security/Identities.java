package dev.taskmaster.server.security;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

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

    public Identities(LocalAccess local, CertificateRoles certificates, Tokens tokens, FailedAttempts failures) {
        this.local = local;
        this.certificates = certificates;
        this.tokens = tokens;
        this.failures = failures;
    }

    @Override
    public Caller authenticate(Attributes transport, Metadata headers) throws StatusException {
        UnixPeer peer = transport.get(UnixPeer.KEY);
        if (peer != null) {
            return local.caller(peer);
        }
        SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return remote(inet, transport, headers);
        }
        throw Status.UNAUTHENTICATED.withDescription("cannot identify callers on this transport ("
                + remote + "); use the Unix socket or a TCP listener").asException();
    }

    private Caller remote(InetSocketAddress inet, Attributes transport, Metadata headers) throws StatusException {
        String where = "tcp " + Transports.hostPort(inet);
        Duration wait = failures.refusedFor(inet.getAddress());
        if (!wait.isZero()) {
            throw Status.UNAUTHENTICATED.withDescription("too many failed attempts from "
                    + inet.getAddress().getHostAddress() + "; try again in " + Math.max(1, wait.toSeconds()) + " s")
                    .asException();
        }
        String authorization = headers.get(AUTHORIZATION);
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
        Optional<X509Certificate> certificate = clientCertificate(transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (certificate.isPresent()) {
            return certificates.caller(certificate.get(), where);
        }
        throw failed(inet, "no credentials: present a client certificate (mutual TLS) or send"
                + " \"authorization: Bearer <token>\"");
    }

    private StatusException failed(InetSocketAddress inet, String why) {
        failures.failed(inet.getAddress());
        return Status.UNAUTHENTICATED.withDescription(why).asException();
    }

    private static Optional<X509Certificate> clientCertificate(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
        } catch (SSLPeerUnverifiedException none) {
            return Optional.empty(); // TLS without a client certificate
        }
    }
}
