package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ProcessInfo;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jline.builtins.Completers.FileNameCompleter;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Tab completion in the shell, read off the picocli model of the command tree: verbs, each
 * verb's options (and the global ones), option values (enum values, file names), and for a
 * target or program argument the names the daemon has now (one ListProcesses per Tab; a daemon
 * that cannot be reached gives no names).
 *
 * <p>JLine keeps the candidates that start with the word typed so far; this class offers every
 * candidate that fits the position of the word.
 */
final class ShellCompleter implements Completer {

    /** The words that leave the shell; offered with the verbs. */
    static final Map<String, String> SHELL_WORDS = orderedMap("exit", "Leave the shell (also quit, Ctrl-D).", "quit", "Leave the shell.");

    /** Signals by name, as {@code signal} accepts them. */
    static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "STOP", "CONT", "ALRM", "WINCH");

    /** Verbs the shell does not offer (they still run if typed): the shell itself, the completion scripts. */
    static final Set<String> NOT_IN_SHELL = Set.of("shell", "completion", "generate-completion");

    /** What the word under the cursor may be: these candidates, or a file name. */
    record Completion(List<Candidate> candidates, boolean files) {
        static final Completion NONE = new Completion(List.of(), false);
        static final Completion FILES = new Completion(List.of(), true);
    }

    private final CommandLine commands;
    private final Supplier<List<ProcessInfo>> processes;
    private final Supplier<List<String>> contexts;
    private final FileNameCompleter fileNames = new FileNameCompleter();
    /** For a command line ({@link Complete}), not the shell: no exit/quit, and shell and completion are verbs too. */
    private boolean commandLine;

    /**
     * @param commands  the root of the command tree the shell runs
     * @param processes the daemon's processes now; empty if it cannot be asked
     */
    ShellCompleter(CommandLine commands, Supplier<List<ProcessInfo>> processes) {
        this(commands, processes, List::of);
    }

    /** @param contexts the names of the contexts file, for {@code --context} and {@code context use|remove} */
    ShellCompleter(CommandLine commands, Supplier<List<ProcessInfo>> processes, Supplier<List<String>> contexts) {
        this.commands = commands;
        this.processes = processes;
        this.contexts = contexts;
    }

    /** Completes a shell's command line ({@code taskmasterctl __complete}) rather than a line of the interactive shell. */
    ShellCompleter forCommandLine() {
        commandLine = true;
        return this;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        Completion c = complete(line.words(), line.wordIndex());
        candidates.addAll(c.candidates());
        if (c.files()) {
            fileNames.complete(reader, line, candidates);
        }
    }

    /** What may stand at {@code words[index]}, given the words before it. */
    Completion complete(List<String> words, int index) {
        String word = index < words.size() ? words.get(index) : "";
        Position at = walk(words.subList(0, Math.min(index, words.size())));
        if (at == null) {
            return Completion.NONE; // an unknown verb: nothing sensible to offer
        }
        if (at.awaiting() != null) {
            return values(at.awaiting(), word);
        }
        if (!at.endOfOptions() && word.startsWith("-")) {
            return new Completion(options(at.command().getCommandSpec()), false);
        }
        if (at.command() == commands) {
            return new Completion(verbs(!commandLine), false);
        }
        if (!at.command().getSubcommands().isEmpty() && at.positionals() == 0) {
            return new Completion(words(at.command().getSubcommands().keySet(), "verbs"), false);
        }
        if (at.command().getCommandName().equals("help")) {
            return at.positionals() == 0 ? new Completion(verbs(false), false) : Completion.NONE;
        }
        PositionalParamSpec param = positional(at.command().getCommandSpec(), at.positionals());
        if (param == null) {
            return Completion.NONE;
        }
        return switch (param.paramLabel()) {
            case "TARGET" -> new Completion(targets(processes.get()), false);
            case "PROCESS" -> new Completion(words(processes.get().stream().map(ProcessInfo::getFullName).toList(), "processes"), false);
            case "NAME" -> at.command().getCommandName().equals("add") ? Completion.NONE : new Completion(programs(processes.get()), false);
            case "CONTEXT" -> new Completion(words(contexts.get(), "contexts"), false);
            default -> values(param, word);
        };
    }

    /** Where the words before the cursor leave us: in which command, after how many positional words, expecting an option's value or not. */
    private record Position(CommandLine command, OptionSpec awaiting, int positionals, boolean endOfOptions) {}

    /** Null if a word in verb position is not a verb. */
    private Position walk(List<String> before) {
        CommandLine command = commands;
        OptionSpec awaiting = null;
        int positionals = 0;
        boolean endOfOptions = false;
        for (String w : before) {
            if (awaiting != null) {
                awaiting = null; // this word was the option's value
                continue;
            }
            if (!endOfOptions && w.equals("--")) {
                endOfOptions = true;
                continue;
            }
            if (!endOfOptions && w.startsWith("-") && w.length() > 1) {
                int eq = w.indexOf('=');
                OptionSpec option = command.getCommandSpec().findOption(eq > 0 ? w.substring(0, eq) : w);
                if (option != null && option.arity().min() > 0 && eq < 0) {
                    awaiting = option;
                }
                continue;
            }
            if (command == commands) {
                command = commands.getSubcommands().get(w);
                if (command == null) {
                    return null;
                }
                continue;
            }
            if (positionals == 0 && command.getSubcommands().containsKey(w)) {
                command = command.getSubcommands().get(w); // context add, context use...
                continue;
            }
            positionals++;
        }
        return new Position(command, awaiting, positionals, endOfOptions);
    }

    private List<Candidate> verbs(boolean withShellWords) {
        List<Candidate> out = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : commands.getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            if (!spec.usageMessage().hidden() && (commandLine || !NOT_IN_SHELL.contains(e.getKey()))) {
                out.add(candidate(e.getKey(), "verbs", firstLine(spec.usageMessage().description(), null), null));
            }
        }
        if (withShellWords) {
            SHELL_WORDS.forEach((name, description) -> out.add(candidate(name, "verbs", description, null)));
        }
        return out;
    }

    /** Every name of every option of {@code spec} (its own and the inherited global ones); the names of one option are listed together. */
    private static List<Candidate> options(CommandSpec spec) {
        List<Candidate> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            String description = firstLine(o.description(), o);
            Set<String> names = new LinkedHashSet<>(List.of(o.names()));
            if (o.negatable()) {
                for (String name : o.names()) {
                    String negative = spec.negatableOptionTransformer().makeNegative(name, spec);
                    if (negative != null && !negative.equals(name)) {
                        names.add(negative);
                    }
                }
            }
            for (String name : names) {
                // Same key: JLine shows "-i, --instance  description" on one line.
                out.add(new Candidate(name, name, "options", description, null, o.longestName(), true));
            }
        }
        return out;
    }

    /**
     * The values of an option or parameter: signal names, context names, picocli's candidates (an
     * enum's values), or file names. Signal names in the case and form being typed ({@code usr},
     * {@code SIGU}, {@code sigt}): the daemon takes any case, with or without SIG.
     */
    private Completion values(ArgSpec arg, String typed) {
        if (arg.paramLabel().equals("SIGNAL")) {
            return new Completion(words(signals(typed), "signals"), false);
        }
        if (arg.paramLabel().equals("CONTEXT")) {
            return new Completion(words(contexts.get(), "contexts"), false);
        }
        Iterable<String> values = arg.completionCandidates();
        if (values != null) {
            return new Completion(words(values, "values"), false);
        }
        return fileLike(arg) ? Completion.FILES : Completion.NONE;
    }

    /** {@link #SIGNALS} as {@code typed} begins them: with SIG when it starts so, in lower case when it is typed so. */
    static List<String> signals(String typed) {
        boolean sig = typed.regionMatches(true, 0, "SIG", 0, Math.min(3, typed.length())) && !typed.isEmpty()
                && !SIGNALS.stream().anyMatch(n -> n.regionMatches(true, 0, typed, 0, Math.min(typed.length(), n.length())));
        boolean lower = Complete.typedLowerCase(typed);
        return SIGNALS.stream().map(n -> sig ? "SIG" + n : n).map(n -> lower ? n.toLowerCase(java.util.Locale.ROOT) : n).toList();
    }

    private static boolean fileLike(ArgSpec arg) {
        Class<?> type = arg.type();
        String label = arg.paramLabel();
        return Path.class.isAssignableFrom(type) || File.class.isAssignableFrom(type)
                || label.contains("FILE") || label.contains("PATH") || label.contains("DIR");
    }

    private static PositionalParamSpec positional(CommandSpec spec, int index) {
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().contains(index) && !p.hidden()) {
                return p;
            }
        }
        return null;
    }

    /**
     * What a TARGET may be, from the daemon's processes: {@code all}, each process's full name,
     * each program with several processes, each group as {@code GROUP:*} (and by its name when it
     * is not a program's).
     */
    static List<Candidate> targets(List<ProcessInfo> processes) {
        Map<String, Integer> perGroup = new LinkedHashMap<>();
        Set<String> programs = new LinkedHashSet<>();
        for (ProcessInfo p : processes) {
            perGroup.merge(p.getGroup(), 1, Integer::sum);
            programs.add(p.getProgram());
        }
        Set<String> names = new LinkedHashSet<>();
        if (!processes.isEmpty()) {
            names.add("all");
        }
        for (ProcessInfo p : processes) {
            names.add(p.getFullName());
            names.add(p.getProgram());
            // GROUP:* says nothing new when the group is this one process of the same name.
            if (perGroup.get(p.getGroup()) > 1 || !p.getGroup().equals(p.getFullName())) {
                names.add(p.getGroup() + ":*");
                if (!programs.contains(p.getGroup())) {
                    names.add(p.getGroup());
                }
            }
        }
        return words(names, "targets");
    }

    /** The daemon's program names, for verbs that take a NAME. */
    static List<Candidate> programs(List<ProcessInfo> processes) {
        Set<String> names = new LinkedHashSet<>();
        processes.forEach(p -> names.add(p.getProgram()));
        return words(names, "programs");
    }

    private static List<Candidate> words(Iterable<String> words, String group) {
        List<Candidate> out = new ArrayList<>();
        words.forEach(w -> out.add(candidate(w, group, null, null)));
        return out;
    }

    private static Candidate candidate(String value, String group, String description, String key) {
        return new Candidate(value, value, group, description, null, key, true);
    }

    /** The first line of a description, with picocli's default value filled in and other variables cut off. */
    private static String firstLine(String[] description, OptionSpec option) {
        if (description == null || description.length == 0) {
            return null;
        }
        // picocli's %n breaks lines (help's description begins with one): the first line with words.
        String line = java.util.Arrays.stream(String.join("%n", description).split("%n")).filter(l -> !l.isBlank())
                .findFirst().orElse("");
        if (option != null && option.defaultValue() != null) {
            line = line.replace("${DEFAULT-VALUE}", option.defaultValue());
        }
        int variable = line.indexOf("${");
        if (variable >= 0) {
            int paren = line.lastIndexOf('(', variable);
            line = line.substring(0, paren >= 0 ? paren : variable);
        }
        return line.strip();
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
