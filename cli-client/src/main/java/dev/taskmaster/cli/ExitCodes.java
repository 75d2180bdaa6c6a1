package dev.taskmaster.cli;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.ConnectFailure;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Every exit code of taskmasterctl, and the one place failures become a code and one line on
 * stderr (never a stack trace). Documented in docs/cli.md; scripts depend on them.
 */
public final class ExitCodes {

    /** Success; for {@code status}, every listed process is RUNNING. */
    public static final int OK = 0;
    /** A command failed for at least one process, or the daemon refused it. */
    public static final int FAILED = 1;
    /** Bad usage: unknown verb or option, missing argument, malformed value (picocli's own code). */
    public static final int USAGE = 2;
    /** {@code status} / {@code pid}: some process is not RUNNING. */
    public static final int NOT_RUNNING = 3;
    /** No such process or program (NOT_FOUND). */
    public static final int NOT_FOUND = 4;
    /**
     * TLS failed on our side: the daemon's certificate is not trusted (unknown CA, expired, for
     * another host), or the two sides do not speak the same TLS (a plaintext port, no common version).
     */
    public static final int TLS = 5;
    /** The daemon cannot be reached: no socket, nobody listening, no route, no answer in time, or it is shutting down (UNAVAILABLE). */
    public static final int UNREACHABLE = 6;
    /**
     * Not authorised: PERMISSION_DENIED, UNAUTHENTICATED, a client certificate the daemon refused
     * (or none where it requires one), a socket or directory owned by someone else, a secret file
     * (token, key) or contexts file others may read or write.
     */
    public static final int PERMISSION_DENIED = 7;

    static final String PREFIX = "taskmasterctl: ";

    private ExitCodes() {}

    /** The exit code and the line to print for a failure of {@code verb}. */
    record Failure(int exitCode, String message) {

        /** The line without the leading {@code taskmasterctl: }. */
        String reason() {
            return message.startsWith(PREFIX) ? message.substring(PREFIX.length()) : message;
        }
    }

    /**
     * Maps what a command threw.
     *
     * @param verb  the verb that failed, for UNIMPLEMENTED
     * @param where the socket tried, or null if no connection was attempted
     */
    static Failure failure(Throwable e, String verb, Session.Endpoint where) {
        return switch (e) {
            case CtlException c -> new Failure(c.exitCode(), PREFIX + c.getMessage());
            case TargetException t -> new Failure(t.kind() == TargetException.Kind.UNSAFE ? PERMISSION_DENIED : USAGE,
                    PREFIX + t.getMessage());
            case StatusRuntimeException s -> failure(s.getStatus(), verb, where);
            default -> new Failure(FAILED, PREFIX + verb + ": unexpected error: " + e);
        };
    }

    private static Failure failure(Status status, String verb, Session.Endpoint where) {
        String description = status.getDescription() != null && !status.getDescription().isBlank()
                ? status.getDescription() : status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (where != null) {
            Optional<ConnectFailure.Diagnosis> d = ConnectFailure.of(status, where.target());
            if (d.isPresent()) {
                return new Failure(switch (d.get().kind()) {
                    case UNREACHABLE -> UNREACHABLE;
                    case TLS -> TLS;
                    case NOT_AUTHORISED -> PERMISSION_DENIED;
                }, PREFIX + d.get().line());
            }
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> unavailable(status, description, where);
            case UNIMPLEMENTED -> new Failure(FAILED, PREFIX + "the daemon does not support " + verb + " yet");
            case NOT_FOUND -> new Failure(NOT_FOUND, PREFIX + description);
            case PERMISSION_DENIED -> new Failure(PERMISSION_DENIED, PREFIX + description);
            case UNAUTHENTICATED -> new Failure(PERMISSION_DENIED, PREFIX + description + credentialsHint(where));
            // The daemon found the arguments malformed (a target, a signal name): bad usage.
            case INVALID_ARGUMENT -> new Failure(USAGE, PREFIX + description);
            case DEADLINE_EXCEEDED -> new Failure(FAILED, PREFIX + "taskmasterd did not answer in time"
                    + " (the limit is --timeout; raise it for long stops)");
            // Ctrl-C in the shell interrupts the command's thread, which cancels its call.
            case CANCELLED -> new Failure(FAILED, PREFIX + verb + ": interrupted");
            default -> new Failure(FAILED, PREFIX + description);
        };
    }

    /** What was sent, or what could be, when a TCP daemon did not accept who we are. */
    private static String credentialsHint(Session.Endpoint where) {
        if (where == null || where.socket() != null) {
            return "";
        }
        ClientSecurity s = where.target().security();
        if (s.tokenFile() != null) {
            return " (taskmasterd at " + where.target().address() + " did not accept the token in " + s.tokenFile() + ")";
        }
        return s.cert() != null ? "" : " (taskmasterd at " + where.target().address()
                + " wants credentials: give --token-file FILE, or --cert FILE and --key FILE)";
    }

    /** Either the connection failed (a cause from the transport) or the daemon said it is going away. */
    private static Failure unavailable(Status status, String description, Session.Endpoint where) {
        if (where == null) {
            return new Failure(UNREACHABLE, PREFIX + description);
        }
        if (where.socket() == null) {
            return new Failure(UNREACHABLE, PREFIX + "taskmasterd at " + where.target().address() + " is unavailable: " + description);
        }
        Path socket = where.socket();
        if (status.getCause() == null) {
            return new Failure(UNREACHABLE, PREFIX + "taskmasterd at " + socket + " is unavailable: " + description);
        }
        String start = "; start it with: taskmasterd -c FILE" + (where.explicitSocket() ? " --socket " + socket
                : where.instance().equals(SocketPaths.DEFAULT_INSTANCE) ? "" : " --instance " + where.instance());
        String cause = causeText(status.getCause());
        if (cause.contains("Permission denied") || (Files.exists(socket) && !Files.isWritable(socket))
                || (!Files.exists(socket) && parentHidden(socket))) {
            return new Failure(PERMISSION_DENIED, PREFIX + "cannot reach taskmasterd at " + socket
                    + " (permission denied: the socket belongs to another user; run taskmasterctl as that user)");
        }
        if (cause.contains("No such file") || !Files.exists(socket)) {
            return new Failure(UNREACHABLE, PREFIX + "cannot reach taskmasterd at " + socket + " (no such socket)" + start);
        }
        if (cause.contains("Connection refused")) {
            return new Failure(UNREACHABLE, PREFIX + "cannot reach taskmasterd at " + socket
                    + " (connection refused: the daemon that made this socket is gone)" + start);
        }
        return new Failure(UNREACHABLE, PREFIX + "cannot reach taskmasterd at " + socket + " (" + description + ")" + start);
    }

    /** A socket in a directory we may not search (another user's 0700 runtime directory) looks missing. */
    private static boolean parentHidden(Path socket) {
        Path dir = socket.toAbsolutePath().getParent();
        return dir != null && Files.isDirectory(dir) && !Files.isExecutable(dir);
    }

    private static String causeText(Throwable cause) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = cause; t != null && text.length() < 4096; t = t.getCause()) {
            text.append(t.getMessage()).append('\n');
        }
        return text.toString();
    }

    /** Turns what a verb threw into one line on stderr and its exit code. */
    static final class Reporter implements IExecutionExceptionHandler {
        private final Session session;

        Reporter(Session session) {
            this.session = session;
        }

        @Override
        public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
            Failure f = failure(e, command.getCommandName(), session.lastEndpoint());
            command.getErr().println(f.message());
            command.getErr().flush();
            return f.exitCode();
        }
    }

    /** Bad usage: the problem and where to read more, not the whole usage text. */
    static final class UsageReporter implements IParameterExceptionHandler {
        private final Session session;

        UsageReporter(Session session) {
            this.session = session;
        }

        @Override
        public int handleParseException(ParameterException e, String[] args) {
            CommandLine command = e.getCommandLine();
            PrintWriter err = command.getErr();
            String verb = TaskmasterCtl.verbOf(args);
            if (e instanceof UnmatchedArgumentException u && command.getCommandSpec().userObject() instanceof TaskmasterCtl
                    && verb != null && u.getUnmatched().contains(verb)) {
                err.println(unknownCommand(verb, command, session.inShell()));
                err.flush();
                return USAGE;
            }
            err.println(PREFIX + e.getMessage());
            UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return USAGE;
        }

        /**
         * {@code unknown command "sta"; did you mean start, status or stop?} and where the verbs are
         * listed: {@code taskmasterctl --help} on a command line, {@code help} in the shell.
         */
        static String unknownCommand(String verb, CommandLine root, boolean inShell) {
            java.util.List<String> near = nearest(verb, root, inShell);
            String did = near.isEmpty() ? "" : "; did you mean " + (near.size() == 1 ? near.getFirst()
                    : String.join(", ", near.subList(0, near.size() - 1)) + " or " + near.getLast()) + "?";
            return PREFIX + "unknown command " + dev.taskmaster.cli.Json.string(verb) + did
                    + (inShell ? " ('help' lists the verbs)" : " ('taskmasterctl --help' lists the verbs)");
        }

        /** The visible verbs closest to {@code typed}: those it begins or that begin it, else picocli's similar ones. */
        static java.util.List<String> nearest(String typed, CommandLine root, boolean inShell) {
            java.util.List<String> visible = root.getSubcommands().entrySet().stream()
                    .filter(v -> !v.getValue().getCommandSpec().usageMessage().hidden())
                    .filter(v -> !inShell || !ShellCompleter.NOT_IN_SHELL.contains(v.getKey()))
                    .map(java.util.Map.Entry::getKey).sorted().toList();
            String t = typed.toLowerCase(Locale.ROOT);
            java.util.List<String> prefixed = visible.stream().filter(v -> v.startsWith(t) || (t.length() >= 3 && t.startsWith(v)))
                    .limit(4).toList();
            if (!prefixed.isEmpty()) {
                return prefixed;
            }
            return dev.taskmaster.cli.Suggest.closest(t, visible, 3);
        }
    }
}
