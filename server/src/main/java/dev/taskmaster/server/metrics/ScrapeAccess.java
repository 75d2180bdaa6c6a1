package dev.taskmaster.server.metrics;

import com.sun.net.httpserver.HttpsExchange;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.server.security.Authenticator;
import dev.taskmaster.server.security.Caller;
import dev.taskmaster.server.transport.tls.ServerTls;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may scrape {@code /metrics} on its TLS form: whoever the API's TCP listeners let in, with
 * at least the viewer role. The request is handed to the daemon's own {@link Authenticator} (the
 * one behind every gRPC call) as a call would be: the TLS session, the peer's address and the
 * {@code Authorization} header as the {@code authorization} metadata. So a bearer token of
 * {@code server.tokens_file} and a client certificate (its CN in {@code server.access}, or its OU
 * naming a role) mean here what they mean to the API, and failed attempts count in the same
 * per-address budget. The client certificate is also checked again against the client CAs as
 * they are now: a keep-alive connection (Prometheus keeps one) outlives a SIGHUP that replaced
 * the CA, and the certificate's own expiry.
 *
 * <p>Threading: thread-safe (what it holds is); the HTTP server's threads call it.
 */
final class ScrapeAccess {

    private static final Logger log = LoggerFactory.getLogger(ScrapeAccess.class);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Refusals are logged at most this often: a scraper with a bad token asks every 15 s, a scanner far more. */
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    /** What becomes of a scrape. */
    sealed interface Verdict {
        record Allowed(Caller caller) implements Verdict {
        }

        /** @param status 401 (no valid credentials) or 403 (known, without the viewer role) */
        record Refused(int status, String why) implements Verdict {
        }
    }

    private final Authenticator identities;
    private final ServerTls tls;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    ScrapeAccess(Authenticator identities, ServerTls tls) {
        this.identities = identities;
        this.tls = tls;
    }

    Verdict check(HttpsExchange exchange) {
        Verdict v = verdict(exchange);
        if (v instanceof Verdict.Refused r) {
            long now = System.nanoTime();
            long last = lastLogged.get();
            if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
                log.warn("refused a scrape of /metrics from {} ({}): {}", exchange.getRemoteAddress().getAddress()
                        .getHostAddress(), r.status(), r.why());
            }
        }
        return v;
    }

    private Verdict verdict(HttpsExchange exchange) {
        SSLSession session = exchange.getSSLSession();
        List<X509Certificate> chain = chain(session);
        Optional<? extends X509TrustManager> trust = tls.clientTrust();
        if (!chain.isEmpty() && trust.isPresent()) {
            try {
                trust.get().checkClientTrusted(chain.toArray(X509Certificate[]::new),
                        chain.getFirst().getPublicKey().getAlgorithm());
            } catch (CertificateException | IllegalArgumentException e) {
                return new Verdict.Refused(401, "the client certificate " + chain.getFirst().getSubjectX500Principal()
                        .getName() + " is no longer trusted by this listener (" + e.getMessage() + "); reconnect with a current one");
            }
        }
        Attributes transport = Attributes.newBuilder()
                .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, exchange.getRemoteAddress())
                .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, exchange.getLocalAddress())
                .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                .build();
        Metadata headers = new Metadata();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            try {
                headers.put(AUTHORIZATION, authorization);
            } catch (IllegalArgumentException notAscii) {
                return new Verdict.Refused(401, "the Authorization header must be \"Bearer <token>\" in ASCII");
            }
        }
        try {
            Caller caller = identities.authenticate(transport, headers);
            if (!caller.has(Role.ROLE_VIEWER)) {
                return new Verdict.Refused(403, "/metrics needs the viewer role; " + caller.identity() + " has none");
            }
            return new Verdict.Allowed(caller);
        } catch (StatusException e) {
            Status s = e.getStatus();
            int code = s.getCode() == Status.Code.PERMISSION_DENIED ? 403 : 401;
            return new Verdict.Refused(code, s.getDescription() == null ? s.getCode().toString() : s.getDescription());
        } catch (RuntimeException e) {
            log.error("cannot identify a scraper of /metrics: {}", e.toString(), e);
            return new Verdict.Refused(401, "cannot identify the caller");
        }
    }

    private static List<X509Certificate> chain(SSLSession session) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : session.getPeerCertificates()) {
                if (!(c instanceof X509Certificate x)) {
                    return List.of();
                }
                chain.add(x);
            }
            return chain;
        } catch (SSLPeerUnverifiedException none) {
            return List.of();
        }
    }
}
