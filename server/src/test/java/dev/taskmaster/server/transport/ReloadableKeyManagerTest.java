package dev.taskmaster.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.transport.tls.ReloadableKeyManager;
import dev.taskmaster.server.transport.tls.ServerIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A handshake chooses its alias, then asks for that alias's chain and key: reloads in between,
 * however many, must not leave it with nothing (ApiServerTest's handshakes during 200 reloads
 * failed in CI when only the identity before the current one was kept).
 */
class ReloadableKeyManagerTest {

    @TempDir
    Path tmp;

    private ServerIdentity identity(TestPki pki, String name) throws Exception {
        Path[] files = pki.server(name, Duration.ZERO, Duration.ofDays(1));
        return ServerIdentity.load(files[0], files[1]);
    }

    @Test
    void anAliasChosenBeforeManyReloadsStillGivesItsOwnChainAndKey() throws Exception {
        TestPki pki = new TestPki(tmp, "main");
        ServerIdentity a = identity(pki, "a");
        ServerIdentity b = identity(pki, "b");
        ReloadableKeyManager keys = new ReloadableKeyManager(a);
        String chosen = keys.chooseEngineServerAlias(a.key().getAlgorithm(), null, null);
        for (int i = 0; i < 100; i++) {
            keys.update(i % 2 == 0 ? b : a);
        }
        assertThat(keys.getCertificateChain(chosen)).containsExactlyElementsOf(a.chain());
        assertThat(keys.getPrivateKey(chosen)).isEqualTo(a.key());
        // The current one after an even number of swaps back is a again, under the same alias.
        assertThat(keys.chooseEngineServerAlias(a.key().getAlgorithm(), null, null)).isEqualTo(chosen);
    }

    @Test
    void onlyTheLatestDistinctIdentitiesAreKept() throws Exception {
        TestPki pki = new TestPki(tmp, "main");
        List<ServerIdentity> all = new ArrayList<>();
        for (int i = 0; i <= ReloadableKeyManager.KEPT; i++) {
            all.add(identity(pki, "s" + i));
        }
        ReloadableKeyManager keys = new ReloadableKeyManager(all.getFirst());
        String first = keys.chooseEngineServerAlias(all.getFirst().key().getAlgorithm(), null, null);
        for (ServerIdentity next : all.subList(1, all.size())) {
            keys.update(next);
        }
        assertThat(keys.getCertificateChain(first)).as("the oldest of %d identities", all.size()).isNull();
        String last = keys.chooseEngineServerAlias(all.getLast().key().getAlgorithm(), null, null);
        assertThat(keys.getCertificateChain(last)).containsExactlyElementsOf(all.getLast().chain());
        assertThat(keys.identity()).isEqualTo(all.getLast());
    }
}
