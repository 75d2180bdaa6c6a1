package dev.taskmaster.server.notify.mail;

import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.transport.tls.PemFiles;
import dev.taskmaster.server.transport.tls.TlsFileException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS sockets a mail delivery uses: trusting the certificates of {@code ca_file} when one is
 * given (a private relay), otherwise the JDK's trust store. The host name is checked by Angus,
 * which turns on the JDK's endpoint identification (mail.smtp.ssl.checkserveridentity).
 * Built at each delivery, so that a renewed CA file is read without a reload. Stateless; any thread.
 */
final class ServerTrust {

    private ServerTrust() {
    }

    static SSLSocketFactory sockets(Optional<Path> caFile) throws DeliveryException {
        try {
            if (caFile.isEmpty()) {
                return SSLContext.getDefault().getSocketFactory();
            }
            List<X509Certificate> certificates = PemFiles.certificates(caFile.get());
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                trusted.setCertificateEntry("ca" + i, certificates.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (TlsFileException e) {
            throw new DeliveryException("SMTP ca_file " + e.getMessage(), true, e);
        } catch (GeneralSecurityException | IOException e) {
            // the JDK without its TLS provider or trust store: nothing a retry changes
            throw new DeliveryException("cannot set up TLS for SMTP: " + e.getMessage(), true, e);
        }
    }
}
