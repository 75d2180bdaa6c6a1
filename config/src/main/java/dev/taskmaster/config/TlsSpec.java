package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code tls:} of a listener: PEM files the daemon reads at start and again on SIGHUP.
 *
 * @param cert     the server's certificate chain, leaf first
 * @param key      its private key (PKCS#8, or the traditional RSA/EC forms), unencrypted
 * @param clientCa the certificates a client's certificate must chain to; present = mutual TLS,
 *                 a client without such a certificate is refused during the handshake
 */
public record TlsSpec(Path cert, Path key, Optional<Path> clientCa) {

    /** Whether clients must present a certificate. */
    public boolean mutual() {
        return clientCa.isPresent();
    }
}
