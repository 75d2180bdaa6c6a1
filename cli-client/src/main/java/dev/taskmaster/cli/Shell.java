package dev.taskmaster.cli;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetResolver;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The interactive shell: reads lines with JLine (editing, history in
 * {@link Session#historyFile}, {@link ShellCompleter completion}) and runs each through the
 * same picocli command tree as a one-shot command, on the session's one connection. The global
 * options the shell was started with apply to every line (as defaults a line may override).
 * A failing line prints its one line and the shell goes on; {@code exit}, {@code quit} or
 * Ctrl-D leave it, Ctrl-C drops the line being typed or stops the command that is running.
 */
final class Shell {

    /** The global options whose values, as typed when the shell started, apply to every line. */
    private static final List<String> GLOBALS = List.of("--instance", "--socket", "--timeout", "--server", "--context", "--ca",
            "--cert", "--key", "--token-file", "--plaintext");

    /** How long Tab may wait for the daemon's names. */
    static final Duration COMPLETION_DEADLINE = Duration.ofSeconds(2);

    private final Session session;
    private final Map<String, String> globals;
    private final CommandLine commands;
    /** The name the prompt shows whatever the options say (an embedder's instance); null: worked out from them. */
    private String label;
    /** Told when the line reader exists and when a line has run; {@link Hooks#NONE} for taskmasterctl. */
    private Hooks hooks = Hooks.NONE;

    /**
     * What an embedding program ({@code taskmasterd --shell}) learns from the shell. Called on the
     * shell's thread.
     */
    interface Hooks {
        Hooks NONE = new Hooks() {
        };

        /** The line reader is ready: from now on other threads may print through {@link LineReader#printAbove}. */
        default void readerReady(LineReader reader) {
        }

        /** The reader is gone (the shell is ending). */
        default void readerGone() {
        }

        /**
         * The shell starts ({@code true}) or stops ({@code false}) waiting for a line. An embedder
         * that ends the shell interrupts its thread only while it is reading, so that a command
         * already running (say, {@code shutdown}) completes.
         */
        default void reading(boolean reading) {
        }

        /** Whether the shell is to end now (checked before each prompt and when a read is interrupted). */
        default boolean ended() {
            return false;
        }

        /** Whether the shell ends after {@code words} ran with exit code {@code exit}. */
        default boolean leaveAfter(List<String> words, int exit) {
            return false;
        }
    }

    /** @param globals the global options typed when the shell started, by long name ({@link #globals}) */
    Shell(Session session, Map<String, String> globals) {
        this.session = session;
        this.globals = Map.copyOf(globals);
        // A tree of its own: the one that ran "taskmasterctl [shell]" is still executing.
        this.commands = TaskmasterCtl.commandLine(session);
        commands.setDefaultValueProvider(arg -> arg instanceof OptionSpec o && GLOBALS.contains(o.longestName())
                ? this.globals.get(o.longestName()) : null);
    }

    /** The target options the shell was started with, as {@link TargetResolver} takes them. */
    TargetResolver.Flags flags() {
        return new TargetResolver.Flags(globals.get("--server"), path("--socket"), globals.get("--instance"), globals.get("--context"),
                new ClientSecurity(path("--ca"), path("--cert"), path("--key"), path("--token-file"), "true".equals(globals.get("--plaintext"))));
    }

    private Path path(String option) {
        String value = globals.get(option);
        return value == null ? null : Path.of(value);
    }

    /**
     * {@code taskmaster> } for the local default daemon (or a socket given by path);
     * {@code taskmaster(NAME)> } for a context, an instance other than {@code default}, or a TCP
     * server. Worked out before each line, so that {@code context use} shows at once.
     */
    String prompt() {
        if (label != null) {
            return "taskmaster(" + label + ")> ";
        }
        Session.Endpoint where;
        try {
            where = session.endpoint(flags());
        } catch (RuntimeException unresolved) {
            return "taskmaster> "; // the line will say what is wrong
        }
        DaemonTarget t = where.target();
        String name = t.context() != null ? t.context()
                : t.address() instanceof ServerAddress.Tcp tcp ? tcp.toString()
                : where.explicitSocket() || SocketPaths.DEFAULT_INSTANCE.equals(where.instance()) ? null : where.instance();
        return name == null ? "taskmaster> " : "taskmaster(" + name + ")> ";
    }

    /**
     * Runs the shell for {@code taskmasterctl [GLOBAL OPTIONS]} or {@code taskmasterctl shell}: only
     * when standard input and output are a terminal; otherwise (a script) the usage and exit 2, at once.
     */
    static int start(TaskmasterCtl root, boolean shellVerb) {
        Session session = root.session();
        PrintWriter err = session.err();
        if (session.inShell()) {
            err.println(shellVerb ? "taskmasterctl: already in the shell" : "taskmasterctl: give a verb ('help' lists them)");
            return ExitCodes.USAGE;
        }
        if (!session.interactive()) {
            err.println("taskmasterctl: give a verb (the interactive shell needs a terminal on standard input and output):");
            root.spec.commandLine().usage(err);
            err.flush();
            return ExitCodes.USAGE;
        }
        return new Shell(session, globals(root.spec.commandLine().getParseResult())).run();
    }

    /** The global options typed on the command line that started the shell, before or after {@code shell}. */
    static Map<String, String> globals(ParseResult parsed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            for (String name : GLOBALS) {
                OptionSpec option = level.matchedOption(name);
                if (option != null && option.arity().max() == 0) {
                    values.put(name, "true"); // a flag: present is true
                } else if (option != null && !option.originalStringValues().isEmpty()) {
                    values.put(name, option.originalStringValues().getLast());
                }
            }
        }
        return values;
    }

    /** The terminal of the process itself; a dumb one if it cannot be set up. */
    static Terminal systemTerminal() throws IOException {
        return TerminalBuilder.builder().name("taskmasterctl").system(true).dumb(true).build();
    }

    /** @param label the name the prompt shows, null to work it out from the options */
    Shell label(String label) {
        this.label = label;
        return this;
    }

    Shell hooks(Hooks hooks) {
        this.hooks = hooks;
        return this;
    }

    int run() {
        Session.TerminalOpener opener = session.terminalOpener();
        Terminal terminal;
        try {
            terminal = opener != null ? opener.open() : systemTerminal();
        } catch (IOException | RuntimeException e) {
            session.err().println("taskmasterctl: cannot open the terminal for the shell: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        try (terminal) {
            Thread shellThread = Thread.currentThread();
            // Outside readLine (which handles Ctrl-C itself), Ctrl-C stops the running command: a
            // blocked gRPC call ends with CANCELLED when its thread is interrupted.
            Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> shellThread.interrupt());
            LineReader reader = reader(terminal);
            session.shell(prompter(reader), terminal);
            hooks.readerReady(reader);
            try {
                loop(reader, terminal);
            } finally {
                hooks.readerGone();
                session.shell(null);
                terminal.handle(Terminal.Signal.INT, previous);
                Thread.interrupted();
                saveHistory(reader);
            }
        } catch (IOException e) {
            session.err().println("taskmasterctl: " + e.getMessage()); // closing the terminal failed; nothing is lost
        }
        return ExitCodes.OK;
    }

    private void loop(LineReader reader, Terminal terminal) {
        while (true) {
            Thread.interrupted(); // a Ctrl-C that came after the last command ended
            String line;
            // reading(true) before ended(): an embedder ending the shell either is seen here or
            // interrupts the read, never neither (see Hooks#reading).
            hooks.reading(true);
            try {
                if (hooks.ended()) {
                    return;
                }
                line = reader.readLine(prompt());
            } catch (UserInterruptException ctrlC) {
                continue; // the line typed so far is dropped (or the embedder ends the shell: see ended())
            } catch (EndOfFileException ctrlD) {
                terminal.writer().println();
                terminal.writer().flush();
                return;
            } finally {
                hooks.reading(false);
            }
            if (hooks.ended()) {
                return; // a line typed as the embedder ended the shell is not run
            }
            List<String> words = words(reader.getParsedLine(), line);
            if (words.isEmpty()) {
                continue;
            }
            if (words.size() == 1 && ShellCompleter.SHELL_WORDS.containsKey(words.getFirst())) {
                return;
            }
            if (words.equals(List.of("help"))) {
                printVerbs();
                continue;
            }
            int exit = execute(words);
            if (hooks.leaveAfter(words, exit)) {
                return;
            }
        }
    }

    /** The words of an accepted line, as the parser split them (quotes removed). */
    static List<String> words(ParsedLine parsed, String line) {
        if (line.isBlank()) {
            return List.of();
        }
        List<String> words = parsed != null ? parsed.words() : List.of(line.strip().split("\\s+"));
        // The parser reports the (empty) word after trailing blanks; it was not typed.
        if (!words.isEmpty() && words.getLast().isEmpty() && Character.isWhitespace(line.charAt(line.length() - 1))) {
            words = words.subList(0, words.size() - 1);
        }
        return List.copyOf(words);
    }

    /** Runs one line through the command tree; failures have been reported when it returns. */
    int execute(List<String> words) {
        session.dropFailedConnection();
        try {
            return commands.execute(words.toArray(String[]::new));
        } catch (RuntimeException e) {
            // picocli reports what commands throw; this is only a last guard so the shell lives on.
            session.err().println("taskmasterctl: " + words.getFirst() + ": unexpected error: " + e);
            return ExitCodes.FAILED;
        } finally {
            Thread.interrupted();
            session.out().flush();
            session.err().flush();
        }
    }

    /** {@code help} with no verb: the verbs, one line each, and what the shell adds. */
    private void printVerbs() {
        PrintWriter out = session.out();
        Help help = commands.getHelp();
        Map<String, Help> verbs = new LinkedHashMap<>(help.subcommands());
        verbs.keySet().removeAll(ShellCompleter.NOT_IN_SHELL);
        String list = help.commandList(verbs);
        out.println("Verbs ('help VERB' or 'VERB --help' for its options; Tab completes):");
        out.print(list);
        // The shell's own words, in the same columns.
        Matcher first = Pattern.compile("^ *\\S+ +").matcher(list.replaceAll("\u001B\\[[0-9;]*m", "")); // colour takes no room
        int column = first.find() ? first.end() : 22;
        ShellCompleter.SHELL_WORDS.forEach((word, description) ->
                out.println(("  " + word + " ".repeat(Math.max(1, column - 2 - word.length()))) + description));
        out.println("Ctrl-C clears the line, or stops the command that is running.");
        out.flush();
    }

    ShellCompleter completer() {
        return new ShellCompleter(commands, this::liveProcesses, () -> ContextCommand.names(session));
    }

    /** The daemon's processes now, for completion; none if it cannot be asked. */
    List<ProcessInfo> liveProcesses() {
        try {
            session.dropFailedConnection();
            return session.connect(session.endpoint(flags())).blockingStub(COMPLETION_DEADLINE)
                    .listProcesses(ListProcessesRequest.newBuilder().setOmitUsage(true).build()).getProcessesList();
        } catch (RuntimeException unreachable) {
            return List.of();
        }
    }

    private LineReader reader(Terminal terminal) {
        LineReaderBuilder builder = LineReaderBuilder.builder()
                .appName("taskmasterctl")
                .terminal(terminal)
                .parser(new DefaultParser().eofOnUnclosedQuote(true))
                .completer(completer())
                .variable(LineReader.HISTORY_SIZE, 1000)
                .variable(LineReader.HISTORY_FILE_SIZE, 1000)
                .option(LineReader.Option.HISTORY_TIMESTAMPED, false)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is not history expansion
                .option(LineReader.Option.INSERT_TAB, false);
        Path history = historyFile();
        if (history != null) {
            builder.variable(LineReader.HISTORY_FILE, history);
        }
        return builder.build();
    }

    /** The history file, created private to the user; null (no saved history) if that is not possible. */
    private Path historyFile() {
        Path file = session.historyFile();
        try {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException exists) {
                // kept from earlier sessions
            }
            if (!Files.isWritable(file)) {
                throw new IOException("not writable");
            }
            return file;
        } catch (IOException | UnsupportedOperationException e) {
            session.err().println("taskmasterctl: history will not be saved: " + file + ": " + e.getMessage());
            session.err().flush();
            return null;
        }
    }

    private static void saveHistory(LineReader reader) {
        try {
            reader.getHistory().save();
        } catch (IOException | RuntimeException e) {
            // lines were appended as they were typed; nothing more to do
        }
    }

    /** Questions (add without --cmd) are asked through the shell's line reader, without history or completion. */
    private static Session.Prompter prompter(LineReader reader) {
        return new Session.Prompter() {
            @Override
            public boolean interactive() {
                return true;
            }

            @Override
            public String ask(String question) {
                reader.variable(LineReader.DISABLE_HISTORY, true);
                reader.variable(LineReader.DISABLE_COMPLETION, true);
                try {
                    return reader.readLine(question);
                } catch (UserInterruptException | EndOfFileException noAnswer) {
                    return null;
                } finally {
                    reader.variable(LineReader.DISABLE_HISTORY, false);
                    reader.variable(LineReader.DISABLE_COMPLETION, false);
                }
            }
        };
    }
}
