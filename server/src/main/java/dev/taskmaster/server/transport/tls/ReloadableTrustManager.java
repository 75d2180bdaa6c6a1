package dev.taskmaster.server.transport.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks client certificates against a set of CA certificates that can be replaced while
 * connections are open: handshakes after {@link #update} use the new set. The checking itself
 * is the JDK's PKIX validation (chain, signatures, validity dates, CA constraints). Thread-safe.
 */
public final class ReloadableTrustManager extends X509ExtendedTrustManager {

    private final RefusalLog refusals = new RefusalLog();
    private volatile X509ExtendedTrustManager delegate;
    private volatile List<X509Certificate> authorities;

    public ReloadableTrustManager(List<X509Certificate> authorities) throws GeneralSecurityException {
        update(authorities);
    }

    /** Trusts exactly {@code cas} from now on. */
    public void update(List<X509Certificate> cas) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e); // an empty in-memory store does no I/O
        }
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x509) {
                delegate = x509;
                authorities = List.copyOf(cas);
                return;
            }
        }
        throw new GeneralSecurityException("the JDK has no PKIX X509ExtendedTrustManager");
    }

    public List<X509Certificate> authorities() {
        return authorities;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            refusals.refused(chain, authorities, e);
            throw e;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    /** Only clients are checked here: the daemon is never a TLS client. */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager checks clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager checks clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager checks clients only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
