package dev.taskmaster.client;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager (trusting {@code --ca}, or the default trust store), with its
 * verdicts put into words a person can act on: which certificate expired and when, which names
 * a certificate is for when it is not for the host dialled, which CA signed one that is not
 * trusted. The checks themselves, host name included (gRPC asks for HTTPS endpoint
 * identification), are the JDK's. Immutable; called on the TLS handshake's thread.
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final X509ExtendedTrustManager delegate;
    /** What is trusted, for messages: "the CA in /etc/x/ca.pem" or "the system's trusted CAs". */
    private final String trusted;

    ExplainingTrustManager(X509ExtendedTrustManager delegate, String trusted) {
        this.delegate = delegate;
        this.trusted = trusted;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw new UntrustedServerException(explain(chain, engine == null ? null : engine.getPeerHost(), e), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw new UntrustedServerException(explain(chain, null, e), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw new UntrustedServerException(explain(chain, null, e), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a client does not check client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a client does not check client certificates");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client does not check client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    /** Why {@code chain} was refused, most concrete reason first. */
    String explain(X509Certificate[] chain, String host, CertificateException why) {
        if (chain == null || chain.length == 0) {
            return "it sent no certificate";
        }
        Date now = new Date();
        for (int i = 0; i < chain.length; i++) {
            X509Certificate c = chain[i];
            String which = i == 0 ? "its certificate (" + subject(c) + ")" : "the certificate of its CA " + subject(c);
            try {
                c.checkValidity(now);
            } catch (CertificateExpiredException e) {
                return which + " expired on " + WHEN.format(c.getNotAfter().toInstant());
            } catch (CertificateNotYetValidException e) {
                return which + " is not valid before " + WHEN.format(c.getNotBefore().toInstant());
            }
        }
        if (mismatchedName(why)) {
            return "its certificate (" + subject(chain[0]) + ") is not for " + (host == null ? "this host" : host)
                    + "; it is for " + names(chain[0]);
        }
        return "its certificate (" + subject(chain[0]) + ", issued by " + issuer(chain[chain.length - 1])
                + ") is not signed by " + trusted;
    }

    private static boolean mismatchedName(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && (m.contains("No subject alternative") || m.contains("No name matching"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code DNS:web1.example.com, IP:10.0.0.5}, or the subject when the certificate names no host. */
    static String names(X509Certificate c) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        names.add("DNS:" + san.get(1));
                    } else if (type == 7) {
                        names.add("IP:" + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the subject
        }
        return names.isEmpty() ? "no host name (" + subject(c) + ", no subject alternative names)" : String.join(", ", names);
    }

    static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    private static String issuer(X509Certificate c) {
        return c.getIssuerX500Principal().getName();
    }
}
