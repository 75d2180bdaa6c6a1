package dev.taskmaster.client;

import java.nio.file.Path;

/**
 * How to secure and authenticate a connection, as given by flags or a context: the CA to trust
 * ({@code --ca}; null: the JDK's default trust store), a client certificate and key for mutual
 * TLS, a file holding a bearer token, and whether a loopback TCP listener is to be dialled
 * without TLS. Paths are as given; nothing is read until a channel is opened. Immutable.
 */
public record ClientSecurity(Path ca, Path cert, Path key, Path tokenFile, boolean plaintext) {

    /** Nothing given: TLS with the default trust store for TCP, nothing for a Unix socket. */
    public static final ClientSecurity NONE = new ClientSecurity(null, null, null, null, false);

    /** This, with every setting {@code flags} gives in its place (flags win over a context). */
    public ClientSecurity overriddenBy(ClientSecurity flags) {
        return new ClientSecurity(
                flags.ca != null ? flags.ca : ca,
                flags.cert != null ? flags.cert : cert,
                flags.key != null ? flags.key : key,
                flags.tokenFile != null ? flags.tokenFile : tokenFile,
                plaintext || flags.plaintext);
    }

    /** The same settings with every path made absolute, so that they mean the same from any directory. */
    public ClientSecurity absolute() {
        return new ClientSecurity(abs(ca), abs(cert), abs(key), abs(tokenFile), plaintext);
    }

    private static Path abs(Path p) {
        return p == null ? null : p.toAbsolutePath().normalize();
    }

    /** True if any TLS setting (CA, certificate, key) is given. */
    public boolean anyTls() {
        return ca != null || cert != null || key != null;
    }

    /**
     * Reads every file these settings name, as opening a connection would (certificates parsed,
     * the key matched to its certificate, secrets checked to be private), so that a context is
     * not saved with a file it could not use.
     *
     * @throws TargetException naming the file at fault
     */
    public void checkFiles() {
        if (ca != null) {
            PemFiles.certificates(ca, "--ca");
        }
        if (cert != null && key != null) {
            PemFiles.checkPair(PemFiles.privateKey(key, "--key"), PemFiles.certificates(cert, "--cert").getFirst(), key, cert);
        }
        if (tokenFile != null) {
            SecretFiles.token(tokenFile);
        }
    }

    /**
     * Checks the settings fit {@code address} and each other.
     *
     * @throws TargetException (INVALID) naming the setting at fault
     */
    public void checkFor(ServerAddress address) {
        // instanceof, not a pattern switch: its bootstrap costs a one-shot client's start-up a few milliseconds.
        if (address instanceof ServerAddress.Unix u) {
            if (anyTls()) {
                throw new TargetException(TargetException.Kind.INVALID, (ca != null ? "--ca" : cert != null ? "--cert" : "--key")
                        + " applies to TLS (a HOST:PORT server), not to the Unix socket " + u);
            }
            return;
        }
        ServerAddress.Tcp t = (ServerAddress.Tcp) address;
        if (plaintext && !t.loopback()) {
            throw new TargetException(TargetException.Kind.INVALID, "refusing plaintext to " + t
                    + ": --plaintext is only for a loopback address (127.0.0.1, [::1], localhost); use TLS (--ca) for other hosts");
        }
        if (plaintext && anyTls()) {
            throw new TargetException(TargetException.Kind.INVALID,
                    "--plaintext cannot be combined with --ca, --cert or --key (they are TLS settings)");
        }
        if ((cert == null) != (key == null)) {
            throw new TargetException(TargetException.Kind.INVALID, cert == null
                    ? "--key " + key + " needs its certificate: give --cert FILE too"
                    : "--cert " + cert + " needs its private key: give --key FILE too");
        }
    }
}
