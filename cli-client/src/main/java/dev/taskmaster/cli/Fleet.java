package dev.taskmaster.cli;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.MessageOrBuilder;
import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.Context;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.TargetResolver;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceFutureStub;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * One call to several daemons at once, for {@code status} and {@code info} with
 * {@code --all-contexts} or {@code --context} given more than once: a connection per daemon,
 * every call sent before any answer is awaited, so the whole takes as long as the slowest host
 * (or {@code --timeout}), not the sum. A host that cannot answer is one line on stderr, named,
 * and the others' answers are printed all the same.
 *
 * <p>Threading: used on the command's thread; the calls complete on the channels' event loops,
 * and nothing but the futures crosses between them.
 */
final class Fleet {

    /**
     * One daemon: its context's name (the HOST column) and where it is.
     *
     * @param endpoint where to dial, kept for the failure lines ({@link ExitCodes#failure})
     */
    record Host(String name, Session.Endpoint endpoint) {}

    /**
     * What one host gave: its response, or the failure (exit code and line) that took its place.
     * Exactly one of the two is set.
     */
    record Answer<R>(Host host, R response, ExitCodes.Failure failure) {

        /** This host's exit code: {@code ok}'s verdict on the response, or the failure's code. */
        int exitCode(ToIntFunction<R> ok) {
            return failure != null ? failure.exitCode() : ok.applyAsInt(response);
        }
    }

    private Fleet() {}

    /**
     * The daemons the command line names: every context of the contexts file for
     * {@code --all-contexts} (in the file's order), then each {@code --context} not named yet.
     * The TLS options of the command line override each TCP context's own, and
     * {@code --token-file} every context's, as in taskmaster-tui.
     *
     * @throws CtlException (usage) with an address option, or for {@code --all-contexts} without contexts
     * @throws dev.taskmaster.client.TargetException for an unknown context, an unreadable or unsafe contexts file
     */
    static List<Host> hosts(TaskmasterCtl root) {
        String address = root.addressOption();
        if (address != null) {
            throw new CtlException(ExitCodes.USAGE, address + " cannot be combined with --all-contexts or a repeated --context:"
                    + " each context names its own daemon");
        }
        TargetResolver resolver = root.session().resolver();
        Set<String> names = new LinkedHashSet<>();
        if (root.allContexts) {
            names.addAll(resolver.contexts().names());
        }
        if (root.contexts != null) {
            names.addAll(root.contexts);
        }
        if (names.isEmpty()) {
            throw new CtlException(ExitCodes.USAGE, "--all-contexts: there are no contexts in " + resolver.contextsFile()
                    + "; add one with: taskmasterctl context add NAME --server ADDRESS");
        }
        ClientSecurity flags = root.security();
        List<Host> hosts = new ArrayList<>(names.size());
        for (String name : names) {
            Context c = resolver.context(name, "--context");
            DaemonTarget target = c.target(applicable(flags, c.server()));
            hosts.add(new Host(name, new Session.Endpoint(target, null, target.address() instanceof ServerAddress.Unix)));
        }
        return hosts;
    }

    /** TLS options mean nothing to a Unix socket: only the token goes to one. */
    private static ClientSecurity applicable(ClientSecurity flags, ServerAddress address) {
        return address instanceof ServerAddress.Unix ? new ClientSecurity(null, null, null, flags.tokenFile(), false) : flags;
    }

    /**
     * Opens a connection to every host, sends {@code call} on each (with a deadline of
     * {@code --timeout}), then waits for all the answers; closes the connections before it returns.
     *
     * @param verb for the failure lines ("the daemon does not support status yet")
     * @return an answer per host, in the hosts' order
     */
    static <R> List<Answer<R>> call(TaskmasterCtl root, List<Host> hosts, String verb,
                                    Function<TaskmasterServiceFutureStub, ListenableFuture<R>> call) {
        root.checkTimeout();
        Duration timeout = root.timeout();
        List<ListenableFuture<R>> futures = new ArrayList<>(hosts.size());
        List<Answer<R>> answers = new ArrayList<>(hosts.size());
        try (Session.ChannelGroup channels = root.session().group()) {
            // Every call is under way before the first answer is awaited.
            for (Host h : hosts) {
                try {
                    DaemonChannel channel = channels.open(h.endpoint().target());
                    futures.add(call.apply(TaskmasterServiceGrpc.newFutureStub(channel.channel())
                            .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)));
                    answers.add(null);
                } catch (RuntimeException refused) { // its files cannot be used, or must not be
                    futures.add(null);
                    answers.add(failed(h, refused, verb));
                }
            }
            for (int i = 0; i < hosts.size(); i++) {
                if (answers.get(i) == null) {
                    answers.set(i, await(hosts.get(i), futures.get(i), verb));
                }
            }
            return answers;
        } catch (InterruptedException e) {
            // Ctrl-C in the shell: every call still running is cancelled as the channels close.
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }

    private static <R> Answer<R> await(Host h, ListenableFuture<R> future, String verb) throws InterruptedException {
        try {
            return new Answer<>(h, future.get(), null);
        } catch (ExecutionException e) {
            return failed(h, e.getCause(), verb);
        }
    }

    private static <R> Answer<R> failed(Host h, Throwable cause, String verb) {
        return new Answer<>(h, null, ExitCodes.failure(cause, verb, h.endpoint()));
    }

    /** One line on stderr per host that gave no answer: {@code taskmasterctl: HOST: <the line taskmasterctl prints for it>}. */
    static void reportFailures(PrintWriter err, List<? extends Answer<?>> answers) {
        for (Answer<?> a : answers) {
            if (a.failure() != null) {
                err.println(ExitCodes.PREFIX + a.host().name() + ": " + a.failure().reason());
            }
        }
        err.flush();
    }

    /**
     * The exit code of the whole: when a host gave no answer, the highest such code (1, 2, 4, 5,
     * 6 or 7); when all answered, 3 if {@code ok} says 3 for any of them, else 0.
     */
    static <R> int exitCode(List<Answer<R>> answers, ToIntFunction<R> ok) {
        int worstFailure = -1;
        boolean notRunning = false;
        for (Answer<R> a : answers) {
            int code = a.exitCode(ok);
            if (code == ExitCodes.NOT_RUNNING) {
                notRunning = true;
            } else if (code != ExitCodes.OK) {
                worstFailure = Math.max(worstFailure, code);
            }
        }
        return worstFailure >= 0 ? worstFailure : notRunning ? ExitCodes.NOT_RUNNING : ExitCodes.OK;
    }

    /**
     * {@code --json}: one object per host and line, {@code {"host":NAME,"response":{…},"error":null}},
     * or {@code {"host":NAME,"response":null,"error":{"exitCode":N,"message":"…"}}} for a host that
     * gave no answer: both keys on every line, as in every other JSON object taskmasterctl prints.
     */
    static void printJson(PrintWriter out, List<? extends Answer<? extends MessageOrBuilder>> answers) {
        for (Answer<? extends MessageOrBuilder> a : answers) {
            String error = a.failure() == null ? "null"
                    : "{\"exitCode\":" + a.failure().exitCode() + ",\"message\":" + Json.string(a.failure().reason()) + "}";
            out.println("{\"host\":" + Json.string(a.host().name())
                    + ",\"response\":" + (a.response() == null ? "null" : Json.text(a.response()))
                    + ",\"error\":" + error + "}");
        }
    }

    /** The width of the host names, to align what follows them. */
    static int nameWidth(List<? extends Answer<?>> answers) {
        int w = 0;
        for (Answer<?> a : answers) {
            w = Math.max(w, a.host().name().length());
        }
        return w;
    }

    /**
     * Refuses, as bad usage before anything is sent, several daemons for a verb that talks to one:
     * a {@code stop} or an {@code attach} on every host at once is not something to do by accident.
     */
    static final class Check implements IExecutionStrategy {

        /** The verbs that may name several daemons. Here, not in {@link Fleet}: every command runs this check. */
        static final Set<String> VERBS = Set.of("status", "info");

        @Override
        public int execute(ParseResult parsed) {
            if (parsed.commandSpec().userObject() instanceof TaskmasterCtl root && root.fanOut() && !helpAsked(parsed)) {
                ParseResult sub = parsed.subcommand();
                String verb = sub == null ? null : sub.commandSpec().name();
                if (verb == null || verb.equals("shell")) {
                    throw new ParameterException(parsed.commandSpec().commandLine(),
                            "the shell talks to one daemon: give at most one --context (status and info take --all-contexts"
                                    + " or several --context on a line of their own)");
                }
                if (!VERBS.contains(verb) && !verb.equals("help") && !verb.equals("generate-completion")
                        && !verb.equals("completion")) {
                    throw new ParameterException(sub.commandSpec().commandLine(), verb
                            + " talks to one daemon: --all-contexts and a repeated --context work with status and info only");
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        }

        private static boolean helpAsked(ParseResult parsed) {
            for (ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                    return true;
                }
            }
            return false;
        }
    }
}
