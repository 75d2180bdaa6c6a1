package dev.taskmaster.server.security;

import dev.taskmaster.proto.v1.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterd token add NAME --role ROLE --file FILE}: makes a new random bearer token,
 * prints it once on standard output (it is stored nowhere else), and appends its hashed line to
 * the tokens file, created with mode 0600 if absent. Exit codes: 0 done, 1 the file cannot be
 * used (its problems on standard error), 2 bad usage. Runs on the command line's thread; adds
 * from several threads or processes at once queue on the file's lock.
 */
@Command(name = "token", description = "Manage the bearer tokens of server.tokens_file.",
        subcommands = TokenCommand.Add.class, mixinStandardHelpOptions = true)
public final class TokenCommand implements Runnable {

    static final int EXIT_FILE = 1;
    /** 32 random bytes: 256 bits, beyond any guessing, and the hash needs no salt. */
    private static final int TOKEN_BYTES = 32;
    /** So a token is recognisable in a config or a leak scanner's report. */
    static final String PREFIX = "tm_";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: add");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Create a bearer token NAME with role ROLE, append its SHA-256 to FILE (created with"
                    + " mode 0600), and print the token once: it is stored nowhere else.",
                    "Clients send it as \"authorization: Bearer <token>\" (taskmasterctl --token-file)."})
    public static final class Add implements Callable<Integer> {

        @Parameters(paramLabel = "NAME", description = "Name of the token, as audit lines and events show it.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer, operator or admin.")
        String role;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The tokens file (server.tokens_file).")
        Path file;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!TokenFile.NAME.matcher(name).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid token name \"" + name
                        + "\"; expected letters, digits, '_', '.', '@' and '-' (at most 64)");
            }
            Role r = TokenFile.role(role);
            if (r == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid role \"" + role
                        + "\"; expected viewer, operator or admin");
            }
            String token = newToken();
            Token entry = new Token(name, r, Token.hash(token));
            try {
                append(file, entry);
            } catch (TokenFile.Invalid e) {
                e.problems().forEach(err::println);
                err.println("taskmasterd: token not added");
                err.flush();
                return EXIT_FILE;
            }
            out.println(token);
            out.flush();
            err.println("taskmasterd: token \"" + name + "\" (" + role + ") added to " + file
                    + "; the line above is the token, shown this once");
            err.flush();
            return 0;
        }
    }

    static String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Appends {@code entry} to {@code file} after checking the whole file as the daemon would
     * (permissions, owner, every line, names not taken), under an exclusive lock so two adds at
     * once cannot interleave.
     */
    static void append(Path file, Token entry) throws IOException, TokenFile.Invalid {
        // The file lock keeps other processes out; within one JVM it would throw, so threads queue here first.
        synchronized (TokenCommand.class) {
            appendLocked(file, entry);
        }
    }

    private static void appendLocked(Path file, Token entry) throws IOException, TokenFile.Invalid {
        if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another add made it first: checked below like any existing file
            }
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                var lock = channel.lock()) {
            int owner = TokenFile.owner(file);
            TokenFile.checkAccess(file, owner); // the daemon must run as its owner (or root): checked when it reads it
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<Token> existing = TokenFile.parse(file, lines);
            if (existing.stream().anyMatch(t -> t.name().equals(entry.name()))) {
                throw new TokenFile.Invalid(List.of(file + ": a token named \"" + entry.name()
                        + "\" exists already; remove its line first to replace it"));
            }
            long size = channel.size();
            String prefix = size > 0 && !endsWithNewline(channel, size) ? "\n" : "";
            channel.write(java.nio.ByteBuffer.wrap((prefix + entry.line() + "\n").getBytes(StandardCharsets.UTF_8)), size);
            channel.force(true);
        }
    }

    private static boolean endsWithNewline(FileChannel channel, long size) throws IOException {
        java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
        channel.read(last, size - 1);
        return last.get(0) == '\n';
    }
}
