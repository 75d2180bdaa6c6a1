package dev.taskmaster.cli;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.Context;
import dev.taskmaster.client.Contexts;
import dev.taskmaster.client.ContextsFile;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.TargetResolver;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code context add|use|list|remove}: the named daemon targets of the contexts file
 * ({@link ContextsFile}), as {@code kubectl config} and {@code docker context} keep theirs. None
 * of them talks to a daemon. With no sub-verb, the list.
 */
@Command(name = "context", description = {"Name daemons (address and credentials) and choose the current one.",
        "With no sub-verb, list them. Where they are kept, and their format: docs/remote.md."},
        subcommands = {ContextCommand.Add.class, ContextCommand.Use.class, ContextCommand.ListContexts.class, ContextCommand.Remove.class})
final class ContextCommand extends Verb {

    @Override
    public Integer call() {
        return list(root);
    }

    /** The contexts, the current one marked; what TASKMASTER_CONTEXT overrides. */
    static int list(TaskmasterCtl root) {
        TargetResolver resolver = root.session().resolver();
        Contexts contexts = resolver.contexts();
        PrintWriter out = root.session().out();
        if (contexts.byName().isEmpty()) {
            out.println("no contexts in " + resolver.contextsFile() + "; add one with: taskmasterctl context add NAME --server ADDRESS");
            return ExitCodes.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("CURRENT", "NAME", "SERVER", "AUTH"));
        for (Context c : contexts.all()) {
            rows.add(List.of(c.name().equals(contexts.current()) ? "*" : "", c.name(), c.server().toString(), auth(c)));
        }
        Formats.table(rows).forEach(out::println);
        String variable = root.session().environment(TargetResolver.CONTEXT_VARIABLE);
        if (variable != null && !variable.isBlank()) {
            out.println(TargetResolver.CONTEXT_VARIABLE + "=" + variable.strip() + " overrides the current context in this environment");
        }
        return ExitCodes.OK;
    }

    /** How a context proves who it is: {@code TLS, client cert, token}; {@code plaintext}; {@code local} for a socket. */
    static String auth(Context c) {
        ClientSecurity s = c.security();
        List<String> parts = new ArrayList<>();
        if (c.server() instanceof ServerAddress.Unix) {
            parts.add("local socket");
        } else if (s.plaintext()) {
            parts.add("plaintext");
        } else {
            parts.add(s.ca() != null ? "TLS (own CA)" : "TLS");
            if (s.cert() != null) {
                parts.add("client cert");
            }
        }
        if (s.tokenFile() != null) {
            parts.add("token");
        }
        return String.join(", ", parts);
    }

    /** Every context-changing sub-verb reads, changes and saves the whole file. */
    abstract static class Change implements Callable<Integer> {
        @ParentCommand
        ContextCommand parent;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        TaskmasterCtl root() {
            return parent.root;
        }

        PrintWriter out() {
            return root().session().out();
        }

        TargetResolver resolver() {
            return root().session().resolver();
        }

        Context existing(TargetResolver resolver, String name) {
            return resolver.context(name, "--context");
        }
    }

    @Command(name = "add", description = {"Add a context: a daemon's address and how to authenticate to it.",
            "Takes the global options --server (or --socket), --ca, --cert, --key, --token-file, --plaintext;",
            "their files are checked now and kept as absolute paths."})
    static final class Add extends Change {
        @Parameters(paramLabel = "NAME", description = "The context's name (letters, digits, '_', '.', '@', '-').")
        String name;

        @Override
        public Integer call() {
            TaskmasterCtl r = root();
            Context.checkName(name);
            if (r.instance != null) {
                throw new CtlException(ExitCodes.USAGE, "a context names an address, not an instance: give --server unix:///PATH or --socket PATH");
            }
            if (r.server == null && r.socket == null) {
                throw new CtlException(ExitCodes.USAGE, "context add " + name + ": give the daemon's address with --server ADDRESS"
                        + " (HOST:PORT, [IPV6]:PORT or unix:///PATH)");
            }
            if (r.server != null && r.socket != null) {
                throw new CtlException(ExitCodes.USAGE, "--server cannot be combined with --socket; give one address");
            }
            ServerAddress server = r.server != null ? ServerAddress.parse(r.server)
                    : new ServerAddress.Unix(r.socket.toAbsolutePath().normalize());
            ClientSecurity security = r.targetFlags().security().absolute();
            security.checkFor(server);
            security.checkFiles();
            TargetResolver resolver = resolver();
            Contexts contexts = resolver.contexts();
            if (contexts.get(name).isPresent()) {
                throw new CtlException(ExitCodes.FAILED, "context \"" + name + "\" exists (" + contexts.get(name).get().server()
                        + "); remove it first: taskmasterctl context remove " + name);
            }
            Context c = new Context(name, server, security);
            ContextsFile.save(resolver.contextsFile(), contexts.with(c));
            out().println("context " + name + " added: " + server + " (" + auth(c) + "); use it with: taskmasterctl context use " + name
                    + ", or --context " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "use", description = {"Make CONTEXT the current one (--none: back to the local daemon).",
            "Commands without --server, --socket, --instance or --context then talk to it."})
    static final class Use extends Change {
        @Parameters(paramLabel = "CONTEXT", arity = "0..1", description = "The context to use.")
        String name;

        @Option(names = "--none", description = "No current context: talk to the local daemon's socket.")
        boolean none;

        @Override
        public Integer call() {
            TargetResolver resolver = resolver();
            if (none == (name != null)) {
                throw new CtlException(ExitCodes.USAGE, "context use: give a context's name, or --none");
            }
            Contexts contexts = resolver.contexts();
            if (none) {
                ContextsFile.save(resolver.contextsFile(), contexts.using(null));
                out().println("no current context: taskmasterctl talks to the local daemon (--instance, --socket) unless told otherwise");
                return ExitCodes.OK;
            }
            Context c = existing(resolver, name);
            ContextsFile.save(resolver.contextsFile(), contexts.using(name));
            out().println("now using context " + name + " (" + c.server() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List the contexts; * marks the current one.")
    static final class ListContexts extends Change {
        @Override
        public Integer call() {
            return list(root());
        }
    }

    @Command(name = "remove", description = "Remove a context (if it was the current one, there is none after).")
    static final class Remove extends Change {
        @Parameters(paramLabel = "CONTEXT", description = "The context to remove.")
        String name;

        @Override
        public Integer call() {
            TargetResolver resolver = resolver();
            existing(resolver, name);
            Contexts contexts = resolver.contexts();
            ContextsFile.save(resolver.contextsFile(), contexts.without(name));
            out().println("context " + name + " removed" + (name.equals(contexts.current())
                    ? "; it was the current context: taskmasterctl now talks to the local daemon" : ""));
            return ExitCodes.OK;
        }
    }

    /** For completion: the names in the contexts file, none if it cannot be read. */
    static List<String> names(Session session) {
        try {
            return session.resolver().contexts().names();
        } catch (RuntimeException unreadable) {
            return List.of();
        }
    }
}
