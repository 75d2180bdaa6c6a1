package dev.taskmaster.server.security;

import dev.taskmaster.proto.v1.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code server.tokens_file}: one {@code NAME ROLE SHA256-HEX} line per token, {@code #}
 * comments and blank lines ignored. The file is refused as a whole when anyone but its owner may
 * read or write it, when it belongs to someone other than root or the daemon's user, or when any
 * line is wrong: every problem is reported, located as {@code file:line:column}. Stateless.
 */
public final class TokenFile {

    /** Letters, digits, {@code _ . @ -}: a name that reads well in an audit line. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}");
    static final String FORMAT = "NAME ROLE SHA256-HEX";
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private TokenFile() {
    }

    /** The file's problems, each one line; thrown when the file cannot be used. */
    public static final class Invalid extends Exception {
        private final List<String> problems;

        Invalid(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /**
     * @param daemonUid the daemon's effective uid: the file must belong to it or to root
     * @throws Invalid with every problem found
     */
    public static List<Token> read(Path file, int daemonUid) throws Invalid {
        checkAccess(file, daemonUid);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Invalid(List.of(file + ": cannot read the tokens file: " + reason(e)));
        }
        return parse(file, lines);
    }

    static void checkAccess(Path file, int daemonUid) throws Invalid {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class); // follows links: the target counts
        } catch (IOException e) {
            throw new Invalid(List.of(file + ": cannot read the tokens file: " + reason(e)));
        }
        if (!attributes.isRegularFile()) {
            throw new Invalid(List.of(file + ": the tokens file is not a regular file"));
        }
        Set<PosixFilePermission> open = attributes.permissions();
        open.retainAll(GROUP_OR_OTHERS);
        if (!open.isEmpty()) {
            throw new Invalid(List.of(file + ": the tokens file is open to group or others (mode "
                    + mode(attributes.permissions()) + "); anyone who can read it can try its hashes offline:"
                    + " run chmod 600 " + file));
        }
        int owner = owner(file);
        if (owner != 0 && owner != daemonUid) {
            throw new Invalid(List.of(file + ": the tokens file belongs to uid " + Integer.toUnsignedString(owner)
                    + "; it must belong to root or to the daemon's user (uid " + Integer.toUnsignedString(daemonUid) + ")"));
        }
    }

    static List<Token> parse(Path file, List<String> lines) throws Invalid {
        List<String> problems = new ArrayList<>();
        List<Token> tokens = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> hashes = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String content = line.strip();
            if (content.isEmpty() || content.startsWith("#")) {
                continue;
            }
            int lineNo = i + 1;
            String where = file + ":" + lineNo + ":";
            int column = line.indexOf(content.charAt(0)) + 1;
            String[] fields = content.split("\\s+");
            if (fields.length != 3) {
                problems.add(where + column + ": expected " + FORMAT + " (3 fields), found " + fields.length
                        + " field" + (fields.length == 1 ? "" : "s"));
                continue;
            }
            int roleColumn = line.indexOf(fields[1], column - 1 + fields[0].length()) + 1;
            int hashColumn = line.indexOf(fields[2], roleColumn - 1 + fields[1].length()) + 1;
            boolean ok = true;
            if (!NAME.matcher(fields[0]).matches()) {
                problems.add(where + column + ": expected a token name (letters, digits, '_', '.', '@', '-'), found \""
                        + fields[0] + "\"");
                ok = false;
            }
            Role role = role(fields[1]);
            if (role == null) {
                problems.add(where + roleColumn + ": expected a role (viewer, operator or admin), found \"" + fields[1] + "\"");
                ok = false;
            }
            if (!fields[2].matches("[0-9a-fA-F]{64}")) {
                // Not echoed: a token pasted here by mistake must not reach the log.
                problems.add(where + hashColumn + ": expected the SHA-256 of the token as 64 hex digits, found "
                        + fields[2].length() + " characters; a token is never written here, only its hash"
                        + " (taskmasterd token add writes both)");
                ok = false;
            }
            if (!ok) {
                continue;
            }
            Integer sameName = names.putIfAbsent(fields[0], lineNo);
            if (sameName != null) {
                problems.add(where + column + ": token name \"" + fields[0] + "\" is already used at line " + sameName);
                continue;
            }
            String hex = fields[2].toLowerCase(java.util.Locale.ROOT);
            Integer sameHash = hashes.putIfAbsent(hex, lineNo);
            if (sameHash != null) {
                problems.add(where + hashColumn + ": the same token hash is already at line " + sameHash
                        + "; give each token its own secret");
                continue;
            }
            tokens.add(new Token(fields[0], role, HexFormat.of().parseHex(hex)));
        }
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return List.copyOf(tokens);
    }

    static Role role(String name) {
        return switch (name) {
            case "viewer" -> Role.ROLE_VIEWER;
            case "operator" -> Role.ROLE_OPERATOR;
            case "admin" -> Role.ROLE_ADMIN;
            default -> null;
        };
    }

    static int owner(Path file) throws Invalid {
        try {
            return (Integer) Files.getAttribute(file, "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new Invalid(List.of(file + ": cannot read the owner of the tokens file: " + e.getMessage()));
        }
    }

    static String mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }
}
