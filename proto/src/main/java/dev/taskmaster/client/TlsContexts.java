package dev.taskmaster.client;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of TLS for one target: TLS 1.2 or 1.3 only, the daemon's certificate checked
 * against {@code --ca} (or the JDK's default trust store) and its host name, and the client
 * certificate of {@code --cert}/{@code --key} for mutual TLS.
 *
 * <p>The JDK's TLS, not the OpenSSL that grpc-netty-shaded bundles: it needs no native library
 * unpacked to a temporary directory, and its failures carry the causes {@link ConnectFailure}
 * explains. Stateless; any thread.
 */
final class TlsContexts {

    private TlsContexts() {}

    /**
     * @throws TargetException naming the file at fault when a CA, certificate or key cannot be used
     */
    static SslContext forClient(ClientSecurity s) {
        SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .trustManager(trustManager(s.ca()));
        if (s.cert() != null) {
            List<X509Certificate> chain = PemFiles.certificates(s.cert(), "--cert");
            PrivateKey key = PemFiles.privateKey(s.key(), "--key");
            PemFiles.checkPair(key, chain.getFirst(), s.key(), s.cert());
            // Netty holds the key in an in-memory key store for the JDK's key manager. Its default
            // type, PKCS12, encrypts the key with 10,000 rounds of PBKDF2 (HMAC-SHA256): 0.1 s of
            // CPU for each connection of a just-started client (50 hosts: 6 s, bench/fleet). JKS
            // only obfuscates, which is all an in-memory copy needs; the key manager is the same.
            builder.keyManager(key, chain.toArray(X509Certificate[]::new)).keyStoreType("JKS");
        }
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new TargetException(TargetException.Kind.INVALID, "cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** PKIX over the CAs of {@code caFile}, or over the JDK's default trust store when it is null. */
    private static TrustManager trustManager(Path caFile) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caFile == null) {
                factory.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int n = 0;
                for (X509Certificate ca : PemFiles.certificates(caFile, "--ca")) {
                    store.setCertificateEntry("ca-" + n++, ca);
                }
                factory.init(store);
            }
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return new ExplainingTrustManager(x, caFile == null
                            ? "a CA in the JDK's default trust store (give the daemon's CA with --ca FILE)"
                            : "the CA in " + caFile);
                }
            }
            throw new IllegalStateException("the JDK has no X.509 trust manager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TargetException(TargetException.Kind.INVALID, "cannot set up TLS trust"
                    + (caFile == null ? "" : " in --ca " + caFile) + ": " + e.getMessage(), e);
        }
    }
}
