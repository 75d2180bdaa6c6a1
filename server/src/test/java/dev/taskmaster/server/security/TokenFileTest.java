package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.proto.v1.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    static final String ALICE = "tm_alice-secret";
    static final String BOT = "tm_bot-secret";

    @TempDir
    Path tmp;

    static String hex(String token) {
        return HexFormat.of().formatHex(Token.hash(token));
    }

    Path file(String text, String mode) throws Exception {
        Path f = tmp.resolve("tokens");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    static int me() throws Exception {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    @Test
    void readsNamesRolesAndHashesSkippingCommentsAndBlankLines() throws Exception {
        Path f = file("# who may call\n\nalice admin " + hex(ALICE) + "\n  deploy-bot   operator\t" + hex(BOT).toUpperCase()
                + "   \n", "rw-------");
        List<Token> tokens = TokenFile.read(f, me());
        assertThat(tokens).extracting(Token::name, Token::role).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice", Role.ROLE_ADMIN), org.assertj.core.groups.Tuple.tuple("deploy-bot", Role.ROLE_OPERATOR));
        assertThat(tokens.get(1).line()).isEqualTo("deploy-bot operator " + hex(BOT));
    }

    @Test
    void everyBadLineIsLocated() throws Exception {
        Path f = file("alice admin\n# ok\nbob boss " + hex(BOT) + "\nb@d! viewer " + hex("x") + "\ncarol viewer " + BOT
                + "\nerin viewer " + hex("y") + "\ndave viewer " + hex("y") + "\n", "rw-------");
        TokenFile.Invalid e = catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(f, me()));
        assertThat(e.problems()).containsExactly(
                f + ":1:1: expected NAME ROLE SHA256-HEX (3 fields), found 2 fields",
                f + ":3:5: expected a role (viewer, operator or admin), found \"boss\"",
                f + ":4:1: expected a token name (letters, digits, '_', '.', '@', '-'), found \"b@d!\"",
                f + ":5:14: expected the SHA-256 of the token as 64 hex digits, found 13 characters; a token is never"
                        + " written here, only its hash (taskmasterd token add writes both)",
                f + ":7:13: the same token hash is already at line 6; give each token its own secret");
        assertThat(e.getMessage()).doesNotContain(BOT); // a token pasted by mistake is not repeated in the log
    }

    @Test
    void aNameTwiceIsRefused() throws Exception {
        Path f = file("alice viewer " + hex("a") + "\nalice admin " + hex("b") + "\n", "rw-------");
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(f, me())).problems())
                .containsExactly(f + ":2:1: token name \"alice\" is already used at line 1");
    }

    @Test
    void aFileOthersCanReadIsRefusedWithTheFix() throws Exception {
        for (String mode : List.of("rw-r-----", "rw----r--", "rw--w----", "rw-r--r--")) {
            Path f = file("alice admin " + hex(ALICE) + "\n", mode);
            TokenFile.Invalid e = catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(f, me()));
            assertThat(e).as(mode).isNotNull();
            assertThat(e.problems()).singleElement().asString().startsWith(f + ": the tokens file is open to group or others (mode 0")
                    .endsWith("anyone who can read it can try its hashes offline: run chmod 600 " + f);
        }
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(file("", "rw-r--r--"), me())).problems())
                .singleElement().asString().contains("(mode 0644)");
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(me() == 0, "only root can give a file away");
        Path f = file("alice admin " + hex(ALICE) + "\n", "rw-------");
        Files.setAttribute(f, "unix:uid", 65534);
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(f, 900)).problems()).containsExactly(
                f + ": the tokens file belongs to uid 65534; it must belong to root or to the daemon's user (uid 900)");
        assertThat(TokenFile.read(f, 65534)).hasSize(1);
    }

    @Test
    void aMissingFileOrADirectorySaysSo() throws Exception {
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(tmp.resolve("nope"), me())).problems())
                .containsExactly(tmp.resolve("nope") + ": cannot read the tokens file: no such file");
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, () -> TokenFile.read(tmp, me())).problems())
                .containsExactly(tmp + ": the tokens file is not a regular file");
    }

    @Test
    void checksFindTheRightTokenAndNoOther() throws Exception {
        Path f = file("alice admin " + hex(ALICE) + "\nbot viewer " + hex(BOT) + "\n", "rw-------");
        int me = me();
        Tokens tokens = Tokens.load(Optional.of(f), () -> me);
        assertThat(tokens.check(ALICE)).map(Token::name).contains("alice");
        assertThat(tokens.check(BOT)).map(Token::role).contains(Role.ROLE_VIEWER);
        assertThat(tokens.check("tm_alice-secreT")).isEmpty();
        assertThat(tokens.check("")).isEmpty();
        assertThat(tokens.check(hex(ALICE))).as("the hash itself is no token").isEmpty();
        assertThat(Tokens.none().check(ALICE)).isEmpty();
    }

    @Test
    void aReloadReplacesTheTokensAndAnInvalidFileKeepsTheOldOnes() throws Exception {
        Path f = file("alice admin " + hex(ALICE) + "\n", "rw-------");
        int me = me();
        Tokens tokens = Tokens.load(Optional.of(f), () -> me);
        Files.writeString(f, "bot viewer " + hex(BOT) + "\n");
        assertThat(tokens.reload()).isEqualTo(1);
        assertThat(tokens.check(ALICE)).as("revoked").isEmpty();
        assertThat(tokens.check(BOT)).isPresent();
        Files.writeString(f, "bot viewer nothex\n");
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, tokens::reload)).isNotNull();
        assertThat(tokens.check(BOT)).as("kept after an invalid reload").isPresent();
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(catchThrowableOfType(TokenFile.Invalid.class, tokens::reload)).isNotNull();
        assertThat(tokens.check(BOT)).isPresent();
        // Deleting the file revokes every token: keeping them would fail open.
        Files.delete(f);
        assertThat(tokens.reload()).isZero();
        assertThat(tokens.check(BOT)).as("revoked with the file").isEmpty();
    }
}
