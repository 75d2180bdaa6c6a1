package dev.taskmaster.dist;

import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page in troff (the man(7) macros) written from a picocli command tree: NAME, SYNOPSIS,
 * DESCRIPTION, OPTIONS, one section per subcommand with its own options and arguments, then the
 * sections given by the caller (EXIT STATUS, FILES, SEE ALSO…). The same model picocli's
 * ManPageGenerator reads, without its AsciiDoc step and the converter that step needs.
 * Stateless.
 */
final class Troff {

    /** A section the caller adds after the generated ones: its title and paragraphs. */
    record Section(String title, List<String> paragraphs) {}

    private Troff() {}

    static String page(CommandLine root, String version, String date, List<Section> extra) {
        CommandSpec spec = root.getCommandSpec();
        String name = spec.name();
        StringBuilder b = new StringBuilder();
        b.append(".\\\" Generated from the command line's own definition by dev.taskmaster.dist.ManPages; do not edit.\n");
        b.append(".TH ").append(name.toUpperCase(Locale.ROOT).replace("-", "\\-")).append(" 1 \"").append(date)
                .append("\" \"taskmaster ").append(version).append("\" \"Taskmaster Manual\"\n");
        b.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(first(spec.usageMessage().description()))).append('\n');
        b.append(".SH SYNOPSIS\n");
        synopsis(b, spec, name);
        b.append(".SH DESCRIPTION\n");
        for (String line : lines(spec.usageMessage().description())) {
            b.append(escape(line)).append("\n.br\n");
        }
        options(b, spec, "OPTIONS");
        if (!root.getSubcommands().isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (var e : root.getSubcommands().entrySet()) {
                CommandSpec sub = e.getValue().getCommandSpec();
                if (sub.usageMessage().hidden()) {
                    continue;
                }
                b.append(".SS ").append(escape(e.getKey()));
                for (PositionalParamSpec p : sub.positionalParameters()) {
                    if (!p.hidden()) {
                        b.append(' ').append(escape(label(p)));
                    }
                }
                b.append('\n');
                for (String line : lines(sub.usageMessage().description())) {
                    b.append(escape(line)).append("\n.br\n");
                }
                for (PositionalParamSpec p : sub.positionalParameters()) {
                    if (!p.hidden() && p.description().length > 0) {
                        b.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n")
                                .append(escape(String.join(" ", p.description()))).append('\n');
                    }
                }
                for (OptionSpec o : sub.options()) {
                    if (!o.hidden() && !o.inherited() && !o.usageHelp()) {
                        option(b, o);
                    }
                }
                for (var nested : e.getValue().getSubcommands().entrySet()) {
                    CommandSpec n = nested.getValue().getCommandSpec();
                    if (!n.usageMessage().hidden()) {
                        b.append(".TP\n\\fB").append(escape(e.getKey() + " " + nested.getKey())).append("\\fR\n")
                                .append(escape(first(n.usageMessage().description()))).append('\n');
                    }
                }
            }
        }
        for (Section s : extra) {
            b.append(".SH ").append(escape(s.title().toUpperCase(Locale.ROOT))).append('\n');
            for (String p : s.paragraphs()) {
                b.append(".PP\n").append(escape(p)).append('\n');
            }
        }
        return b.toString();
    }

    private static void synopsis(StringBuilder b, CommandSpec spec, String name) {
        b.append(".B ").append(escape(name)).append('\n');
        b.append("[\\fIOPTIONS\\fR]");
        if (!spec.subcommands().isEmpty()) {
            b.append(" [\\fICOMMAND\\fR [\\fIARGS\\fR]]");
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            b.append(' ').append(escape(label(p)));
        }
        b.append('\n');
    }

    private static void options(StringBuilder b, CommandSpec spec, String title) {
        List<OptionSpec> shown = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (shown.isEmpty()) {
            return;
        }
        b.append(".SH ").append(title).append('\n');
        shown.forEach(o -> option(b, o));
    }

    private static void option(StringBuilder b, OptionSpec o) {
        b.append(".TP\n");
        String[] names = o.names();
        for (int i = 0; i < names.length; i++) {
            b.append(i > 0 ? ", " : "").append("\\fB").append(escape(names[i])).append("\\fR");
        }
        if (o.arity().max() > 0) {
            b.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
        }
        b.append('\n');
        String text = String.join(" ", o.description());
        if (o.defaultValue() != null) {
            text = text.replace("${DEFAULT-VALUE}", o.defaultValue());
        }
        b.append(escape(text.replace("%n", " "))).append('\n');
    }

    private static String label(PositionalParamSpec p) {
        String l = p.paramLabel() + (p.arity().max() > 1 ? "..." : "");
        return p.arity().min() == 0 ? "[" + l + "]" : l;
    }

    private static List<String> lines(String[] description) {
        return java.util.Arrays.stream(String.join("%n", description).split("%n")).map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String first(String[] description) {
        List<String> l = lines(description);
        return l.isEmpty() ? "" : l.getFirst();
    }

    /** Text safe for troff: backslashes doubled, hyphens as minus signs, no line read as a request. */
    static String escape(String text) {
        String t = text.replace("\\", "\\e").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}
