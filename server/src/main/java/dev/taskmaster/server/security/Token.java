package dev.taskmaster.server.security;

import dev.taskmaster.proto.v1.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One bearer token of the tokens file: its name, its role, and the SHA-256 of the token itself
 * (the token is never stored). Immutable.
 */
public record Token(String name, Role role, byte[] sha256) {

    public Token {
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Whether {@code presentedHash} is this token's hash, in time that does not depend on where they differ. */
    boolean matches(byte[] presentedHash) {
        return MessageDigest.isEqual(sha256, presentedHash);
    }

    /** The tokens file's hash of a token: SHA-256 of its UTF-8 bytes. */
    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The line of the tokens file for this token: {@code NAME ROLE SHA256-HEX}. */
    public String line() {
        return name + " " + Caller.name(role) + " " + HexFormat.of().formatHex(sha256);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Token t && t.name.equals(name) && t.role == role && MessageDigest.isEqual(t.sha256, sha256);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "Token[" + name + ", " + Caller.name(role) + "]"; // the hash stays out of logs
    }
}
