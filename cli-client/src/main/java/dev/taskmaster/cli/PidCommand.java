package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pid", description = {"Print the daemon's pid, or the pid of each process of TARGET (0 if not running).",
        "Exit 3 if some process of TARGET is not running."})
final class PidCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "0..1", description = "name, group:name, group:* or all (default: the daemon itself).")
    String target;

    @Option(names = "--json", description = "Print {\"pid\":N} for the daemon, {\"fullName\":…,\"pid\":N} per line for processes.")
    boolean json;

    @Override
    public Integer call() {
        if (target == null) {
            int pid = rpc().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getPid();
            out().println(json ? "{\"pid\":" + pid + "}" : Integer.toString(pid));
            return ExitCodes.OK;
        }
        List<ProcessInfo> processes = rpc().listProcesses(ListProcessesRequest.newBuilder().addTargets(target).setOmitUsage(true).build()).getProcessesList();
        boolean allRunning = true;
        for (ProcessInfo p : processes) {
            allRunning &= p.getPid() > 0;
            out().println(json ? "{\"fullName\":" + Json.string(p.getFullName()) + ",\"pid\":" + p.getPid() + "}"
                    : processes.size() == 1 ? Integer.toString(p.getPid()) : p.getFullName() + " " + p.getPid());
        }
        return allRunning ? ExitCodes.OK : ExitCodes.NOT_RUNNING;
    }
}
