package dev.taskmaster.server.transport.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server side of TLS with one identity that can be replaced while connections are open:
 * handshakes started after {@link #update} present the new certificate, connections already
 * made keep theirs. Thread-safe: handshakes run on Netty's threads, updates on the signal
 * thread.
 *
 * <p>A handshake asks for an alias first, then for that alias's chain and key in two more calls.
 * Each identity therefore gets an alias of its own, so an update between those calls cannot pair
 * the old chain with the new key, and the last {@link #KEPT} identities stay reachable by their
 * alias for handshakes in flight. The alias is named by the certificate chain's fingerprint: an
 * identity served again (certificates rotated back and forth) keeps its alias. Keeping only the
 * identity before the current one was not enough: under reloads in a loop on a loaded machine, a
 * handshake that had chosen its alias asked for the chain two updates later, and got none.
 */
public final class ReloadableKeyManager extends X509ExtendedKeyManager {

    private record Current(String alias, ServerIdentity identity) {
    }

    /** How many of the latest distinct identities stay reachable by their alias. */
    public static final int KEPT = 8;

    private final Map<String, ServerIdentity> recent = new ConcurrentHashMap<>();
    /** The aliases of {@link #recent}, the one served last at the end; guarded by this. */
    private final java.util.ArrayDeque<String> order = new java.util.ArrayDeque<>();
    private volatile Current current;

    public ReloadableKeyManager(ServerIdentity identity) {
        update(identity);
    }

    /** Serves {@code identity} to every handshake from now on. */
    public synchronized void update(ServerIdentity identity) {
        String alias = alias(identity);
        recent.put(alias, identity);
        order.remove(alias);
        order.addLast(alias);
        while (order.size() > KEPT) {
            recent.remove(order.removeFirst());
        }
        current = new Current(alias, identity);
    }

    /** {@code identity-} and the first 16 hex digits of the SHA-256 of the chain's certificates. */
    static String alias(ServerIdentity identity) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (X509Certificate c : identity.chain()) {
                sha.update(c.getEncoded());
            }
            return "identity-" + java.util.HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot name a certificate chain: " + e.getMessage(), e);
        }
    }

    public ServerIdentity identity() {
        return current.identity();
    }

    private String aliasFor(String keyType) {
        Current c = current;
        String algorithm = c.identity().key().getAlgorithm();
        // The JDK asks once per kind of key it could use ("EC", "RSA", "EdDSA", "RSASSA-PSS"…).
        boolean fits = keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
                || algorithm.equals("RSA") && keyType.equals("RSASSA-PSS")
                || algorithm.startsWith("Ed") && keyType.startsWith("Ed");
        return fits ? c.alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        ServerIdentity identity = recent.get(alias);
        return identity == null ? null : identity.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        ServerIdentity identity = recent.get(alias);
        return identity == null ? null : identity.key();
    }

    /** A server never acts as a TLS client. */
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
