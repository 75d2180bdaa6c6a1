package dev.taskmaster.server.security;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The bearer tokens the daemon accepts, from {@code server.tokens_file}: read at start, read again
 * by {@link #reload}. A presented token is hashed and compared with every stored hash in constant
 * time, and the loop never stops early, so how long a check takes says nothing about which token
 * came close. Thread-safe: checks read an immutable list that a reload replaces whole.
 */
public final class Tokens {

    private final Optional<Path> file;
    private final IntSupplier daemonUid;
    private volatile List<Token> tokens;

    private Tokens(Optional<Path> file, IntSupplier daemonUid, List<Token> tokens) {
        this.file = file;
        this.daemonUid = daemonUid;
        this.tokens = tokens;
    }

    /** No file: no token is accepted. */
    public static Tokens none() {
        return new Tokens(Optional.empty(), () -> 0, List.of());
    }

    /**
     * Reads the tokens file, if any.
     *
     * @param daemonUid the daemon's effective uid, which the file may belong to (root may too)
     * @throws TokenFile.Invalid when the file cannot be used: the daemon must not start with it
     */
    public static Tokens load(Optional<Path> file, IntSupplier daemonUid) throws TokenFile.Invalid {
        List<Token> read = file.isPresent() ? TokenFile.read(file.get(), daemonUid.getAsInt()) : List.of();
        return new Tokens(file, daemonUid, read);
    }

    /**
     * Reads the file again and, if it is valid, makes its tokens the accepted ones. An invalid
     * file changes nothing (as an invalid configuration does on reload): the problems are thrown
     * for the daemon to log and report.
     *
     * A file that is gone accepts no token any more: deleting it is how all of them are revoked
     * at once, and keeping them would fail open.
     *
     * @return how many tokens are accepted now
     */
    public int reload() throws TokenFile.Invalid {
        if (file.isEmpty()) {
            return 0;
        }
        if (java.nio.file.Files.notExists(file.get(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            tokens = List.of();
            return 0;
        }
        List<Token> read = TokenFile.read(file.get(), daemonUid.getAsInt());
        tokens = read;
        return read.size();
    }

    public Optional<Path> file() {
        return file;
    }

    public int size() {
        return tokens.size();
    }

    /** The token {@code presented} is, if it is one of the accepted tokens. */
    public Optional<Token> check(String presented) {
        byte[] hash = Token.hash(presented);
        Token found = null;
        for (Token t : tokens) {
            if (t.matches(hash) & found == null) { // non-short-circuit: every hash is compared
                found = t;
            }
        }
        return Optional.ofNullable(found);
    }
}
