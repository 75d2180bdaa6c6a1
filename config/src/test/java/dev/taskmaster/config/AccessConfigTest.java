package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.AccessGrant.Kind;
import dev.taskmaster.config.AccessGrant.Role;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.access} and {@code server.tokens_file}: what loads, and every mistake located. */
class AccessConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    @Test
    void everyKindOfEntryLoadsInOrder() {
        ServerSpec s = files.load("""
                server:
                  access:
                    - {user: alice, role: viewer}
                    - {user: 1001, role: operator}
                    - {group: deploy, role: Operator}
                    - cert: ops-laptop
                      role: admin
                  tokens_file: secrets/tokens
                """).server();
        assertThat(s.access()).containsExactly(
                new AccessGrant(Kind.USER, "alice", Role.VIEWER),
                new AccessGrant(Kind.USER, "1001", Role.OPERATOR),
                new AccessGrant(Kind.GROUP, "deploy", Role.OPERATOR),
                new AccessGrant(Kind.CERT, "ops-laptop", Role.ADMIN));
        assertThat(s.tokensFile()).isEqualTo(Optional.of(tmp.resolve("secrets/tokens")));
        assertThat(s.access().get(2)).hasToString("{group: deploy, role: operator}");
    }

    @Test
    void anEmptyListGrantsNothing() {
        assertThat(files.load("server:\n  access: []\n").server().access()).isEmpty();
        assertThat(files.load("server:\n  access:\n").server().access()).isEmpty();
    }

    @Test
    void notAList() {
        assertThat(files.error("server:\n  access: {user: alice, role: viewer}\n")).isEqualTo(
                "2:11: server.access: expected " + AccessParser.EXPECTED + ", found a mapping");
    }

    @Test
    void anEntryNeedsExactlyOneSubject() {
        assertThat(files.error("server:\n  access:\n    - {role: viewer}\n")).isEqualTo("3:7: server.access[0]:"
                + " expected one of the keys user, group or cert (who is granted the role), found none");
        assertThat(files.error("server:\n  access:\n    - {user: a, group: b, role: viewer}\n")).isEqualTo(
                "3:7: server.access[0]: expected exactly one of the keys user, group or cert, found user and group");
    }

    @Test
    void anEntryNeedsAKnownRole() {
        assertThat(files.error("server:\n  access:\n    - {user: alice}\n")).isEqualTo("3:7: server.access[0]:"
                + " expected the required key \"role\" (one of viewer, operator, admin), found no such key");
        assertThat(files.error("server:\n  access:\n    - {user: alice, role: operater}\n")).isEqualTo(
                "3:27: server.access[0].role: expected one of viewer, operator, admin, found \"operater\";"
                        + " did you mean \"operator\"?");
        assertThat(files.error("server:\n  access:\n    - {user: alice, role: root}\n")).isEqualTo(
                "3:27: server.access[0].role: expected one of viewer, operator, admin, found \"root\"");
    }

    @Test
    void namesMustBeWords() {
        assertThat(files.error("server:\n  access:\n    - {user: \"\", role: viewer}\n")).isEqualTo(
                "3:14: server.access[0].user: expected a user name or uid, found \"\"");
        assertThat(files.error("server:\n  access:\n    - {cert: [a], role: viewer}\n")).isEqualTo(
                "3:14: server.access[0].cert: expected the common name (CN) of a client certificate's subject, found a list");
    }

    @Test
    void unknownKeysAndDuplicatesAreLocated() {
        assertThat(files.error("server:\n  access:\n    - {user: a, role: viewer, rol: admin}\n")).isEqualTo(
                "3:31: server.access[0].rol: unknown key \"rol\"; did you mean \"role\"?");
        assertThat(files.error("server:\n  access:\n    - {user: a, role: viewer}\n    - {user: a, role: admin}\n"))
                .isEqualTo("4:7: server.access[1]: user a is already granted a role at line 3;"
                        + " give each user, group or cert one entry");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThat(files.errors("""
                server:
                  access:
                    - {user: a}
                    - {group: g, role: boss}
                    - 42
                """)).extracting(ConfigFiles::located).containsExactly(
                "3:7: server.access[0]: expected the required key \"role\" (one of viewer, operator, admin), found no such key",
                "4:24: server.access[1].role: expected one of viewer, operator, admin, found \"boss\"",
                "5:7: server.access[2]: expected an access entry such as {user: alice, role: viewer}, found 42");
    }
}
