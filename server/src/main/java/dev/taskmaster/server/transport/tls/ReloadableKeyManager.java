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
 * Each identity therefore gets an alias of its own ({@code identity-N}), so an update between
 * those calls cannot pair the old chain with the new key; the previous identity stays
 * reachable by its alias for handshakes in flight.
 */
public final class ReloadableKeyManager extends X509ExtendedKeyManager {

    private record Current(String alias, ServerIdentity identity) {
    }

    private final Map<String, ServerIdentity> recent = new ConcurrentHashMap<>();
    private volatile Current current;
    private int generation;

    public ReloadableKeyManager(ServerIdentity identity) {
        update(identity);
    }

    /** Serves {@code identity} to every handshake from now on. */
    public synchronized void update(ServerIdentity identity) {
        Current previous = current;
        String alias = "identity-" + ++generation;
        recent.put(alias, identity);
        current = new Current(alias, identity);
        // Keep the one before for handshakes between alias and key; anything older is done.
        if (previous != null) {
            recent.keySet().removeIf(a -> !a.equals(alias) && !a.equals(previous.alias()));
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
