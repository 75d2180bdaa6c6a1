package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", description = {"Show the recent output of several processes, each line after its process's name;"
        + " live and interleaved with --follow (like pm2 logs)."})
final class LogsCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = "Whose output (default: all).")
    List<String> targets;

    @Option(names = {"-f", "--follow"}, description = "Keep printing output as it comes, from every process at once, until Ctrl-C.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "LINES", defaultValue = "15",
            description = "Lines of past output per process (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = "--no-prefix", negatable = false, description = "Print the lines alone, without the process name.")
    boolean noPrefix;

    /** ANSI colours for the names, one after the other, as pm2 does: cyan, green, yellow, blue, magenta. */
    private static final String[] NAME_COLOURS = {"36", "32", "33", "34", "35"};

    private static final OutputStream BOTH = OutputStream.OUTPUT_STREAM_COMBINED;

    @Override
    public Integer call() {
        if (lines < 0) {
            throw new CtlException(ExitCodes.USAGE, "--lines must be >= 0, got " + lines);
        }
        List<ProcessInfo> processes = rpc().listProcesses(ListProcessesRequest.newBuilder().addAllTargets(orEmpty(targets)).setOmitUsage(true).build())
                .getProcessesList();
        int width = processes.stream().mapToInt(p -> p.getFullName().length()).max().orElse(0);
        PrefixedLines.Out shared = new PrefixedLines.Out(out());
        List<PrefixedLines> printers = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            String name = processes.get(i).getFullName();
            PrefixedLines printer = new PrefixedLines(shared, noPrefix ? "" : prefix(name, width, i));
            ByteTail.End end = ByteTail.lastLines((offset, max) -> {
                TailOutputRequest.Builder q = TailOutputRequest.newBuilder().setName(name).setStream(BOTH).setMaxBytes(max);
                offset.ifPresent(q::setOffset);
                TailOutputResponse r = rpc().tailOutput(q.build());
                return new ByteTail.Piece(r.getData(), r.getOffset(), r.getNextOffset(), r.getBytesLost());
            }, lines);
            printer.bytes(end.data().toByteArray());
            if (!follow) {
                printer.finish(); // a last line without its line break is shown all the same
            }
            printers.add(printer);
            offsets.add(end.nextOffset());
        }
        out().flush();
        return follow ? followAll(processes, printers, offsets) : ExitCodes.OK;
    }

    /** One thread per process, each on its own stream; lines are printed whole, in the order they complete. */
    private int followAll(List<ProcessInfo> processes, List<PrefixedLines> printers, List<Long> offsets) {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            String name = processes.get(i).getFullName();
            PrefixedLines printer = printers.get(i);
            long offset = offsets.get(i);
            threads.add(Thread.ofVirtual().name("logs-" + name).start(() -> {
                try {
                    new OutputFollower(this, name, BOTH, false).follow(offset, printer.follower(name, err()));
                } catch (StatusRuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    printer.finish();
                }
            }));
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            threads.forEach(Thread::interrupt); // cancels each call
            throw new CtlException(ExitCodes.FAILED, "logs: interrupted");
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return ExitCodes.OK;
    }

    private String prefix(String name, int width, int index) {
        String padded = name + " ".repeat(width - name.length());
        return session().colour() ? "\u001B[" + NAME_COLOURS[index % NAME_COLOURS.length] + "m" + padded + "\u001B[0m | "
                : padded + " | ";
    }
}
