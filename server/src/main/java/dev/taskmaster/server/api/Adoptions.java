package dev.taskmaster.server.api;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.proto.v1.AdoptProcessRequest;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * AdoptProcess: the checks of the pid and of the name, each refusal with the code the contract
 * names, then the engine's adoption. What can be checked outside the engine is checked first,
 * on the caller's thread ({@code /proc} and {@code kill(pid, 0)} are quick); the engine checks
 * again what may change (the instance's state, the pid already being some instance's).
 * Stateless; any thread.
 */
final class Adoptions {

    private Adoptions() {
    }

    /** The instance after adoption, or a future failed with the status of the refusal. */
    static CompletableFuture<ProcessSnapshot> adopt(Engine engine, AdoptProcessRequest r, String by) {
        int pid = r.getPid();
        if (pid <= 0) {
            throw Status.INVALID_ARGUMENT.withDescription("pid must be a process id > 0; it is " + pid).asRuntimeException();
        }
        Targets.requireName("name", r.getName());
        // Read here, on the caller's thread: /proc is a file system, and the engine thread never blocks.
        ProcStat checked = checkPid(pid);
        int session = checked.session();
        return engine.snapshot().thenCompose(all -> {
            String name = instance(r.getName(), all);
            for (ProcessSnapshot s : all) {
                if (s.pid() == pid && s.state().hasProcess()) {
                    throw refused(Status.FAILED_PRECONDITION, "pid " + pid + " is already supervised as " + s.name());
                }
            }
            // A process of a program's session is that program's (Descendants' attribution): not a stranger to adopt.
            for (ProcessSnapshot s : all) {
                if (session != 0 && s.pid() == session && !s.adopted() && s.state().hasProcess()) {
                    throw refused(Status.FAILED_PRECONDITION, "pid " + pid + " belongs to " + s.name()
                            + " (it runs in the session of its process, pid " + session + ")");
                }
            }
            return engine.adopt(name, pid, checked.startTicks(), by);
        }).exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Engine.AdoptionRefused a) {
                throw refused(switch (a.reason()) {
                    case NO_SUCH_INSTANCE, GONE -> Status.NOT_FOUND;
                    case ALREADY_SUPERVISED, INSTANCE_BUSY -> Status.FAILED_PRECONDITION;
                }, a.getMessage());
            }
            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
    }

    private static io.grpc.StatusRuntimeException refused(Status status, String description) {
        return status.withDescription(description).asRuntimeException();
    }

    /** The one instance {@code name} means: an instance's full name, or a program with one instance. */
    private static String instance(String name, List<ProcessSnapshot> all) {
        List<InstanceSpec> instances = all.stream().map(ProcessSnapshot::spec).toList();
        List<String> exact = instances.stream().filter(i -> i.name().equals(name)).map(InstanceSpec::name).toList();
        if (!exact.isEmpty()) {
            return exact.getFirst();
        }
        List<String> ofProgram = instances.stream().filter(i -> i.program().name().equals(name)).map(InstanceSpec::name).toList();
        if (ofProgram.isEmpty()) {
            Targets.resolve(List.of(name), instances); // NOT_FOUND naming it, with a suggestion (or malformed)
            throw refused(Status.NOT_FOUND, "no program or process named " + Targets.quote(name)
                    + "; adopt as a program's name or one instance's full name");
        }
        if (ofProgram.size() > 1) {
            throw refused(Status.INVALID_ARGUMENT, "program " + Targets.quote(name) + " has " + ofProgram.size()
                    + " instances (" + String.join(", ", ofProgram.subList(0, Math.min(5, ofProgram.size())))
                    + (ofProgram.size() > 5 ? ", …" : "") + "); name one");
        }
        return ofProgram.getFirst();
    }

    /**
     * The pid exists, is not the daemon or one of its ancestors (which it must never stop), and
     * the daemon may signal it.
     */
    static ProcStat checkPid(int pid) {
        Optional<ProcStat> stat = ProcStat.of(pid);
        if (stat.isEmpty() || stat.get().isZombie()) {
            throw refused(Status.NOT_FOUND, "no process with pid " + pid + (stat.isPresent() ? " (it has exited)" : ""));
        }
        int self = Posix.getpid();
        if (pid == self) {
            throw refused(Status.INVALID_ARGUMENT, "pid " + pid + " is taskmasterd itself");
        }
        for (int p = ProcStat.of(self).map(ProcStat::ppid).orElse(0); p > 0; ) {
            if (p == pid) {
                throw refused(Status.INVALID_ARGUMENT, "pid " + pid + " is an ancestor of taskmasterd (pid " + self
                        + "); stopping it would stop the daemon's own parents");
            }
            int parent = p;
            p = ProcStat.of(parent).map(ProcStat::ppid).orElse(0);
        }
        try {
            Signals.kill(pid, 0);
        } catch (NativeException e) {
            if (e.errno() == Errno.EPERM) {
                throw refused(Status.PERMISSION_DENIED, "taskmasterd may not signal pid " + pid + owner(pid)
                        + " (EPERM); it can only adopt processes of its own user, or any as root");
            }
            if (e.errno() == Errno.ESRCH) {
                throw refused(Status.NOT_FOUND, "no process with pid " + pid);
            }
            throw refused(Status.INTERNAL, "cannot check pid " + pid + ": " + e.getMessage());
        }
        return stat.get();
    }

    private static String owner(int pid) {
        try {
            return " (owned by " + Files.getOwner(Path.of("/proc/" + pid)).getName() + ")";
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }
}
