package dev.taskmaster.cli;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ProcessStateCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "info", description = {"Describe the daemon: version, pid, uptime, files, counts, and your role.",
        "With --all-contexts or several --context: every daemon at once, each line after its HOST."})
final class InfoCommand extends Verb {

    @Option(names = "--json", description = "Print the GetServerInfo response as JSON (several daemons: one object per host and line).")
    boolean json;

    @Override
    public Integer call() {
        if (root.fanOut()) {
            return fanOut();
        }
        GetServerInfoResponse i = rpc().getServerInfo(GetServerInfoRequest.getDefaultInstance());
        if (json) {
            Json.print(out(), i);
            return ExitCodes.OK;
        }
        lines(i).forEach(out()::println);
        return ExitCodes.OK;
    }

    /** Each host's lines after its name (so {@code grep version} compares them), hosts that gave no answer on stderr. */
    private int fanOut() {
        List<Fleet.Answer<GetServerInfoResponse>> answers = Fleet.call(root, Fleet.hosts(root), "info",
                stub -> stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        if (json) {
            Fleet.printJson(out(), answers);
        } else {
            int width = Fleet.nameWidth(answers);
            for (Fleet.Answer<GetServerInfoResponse> a : answers) {
                if (a.response() != null) {
                    String host = a.host().name() + " ".repeat(width - a.host().name().length()) + "  ";
                    lines(a.response()).forEach(line -> out().println(host + line));
                }
            }
        }
        out().flush();
        Fleet.reportFailures(err(), answers);
        return Fleet.exitCode(answers, response -> ExitCodes.OK);
    }

    private List<String> lines(GetServerInfoResponse i) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"version", i.getVersion()});
        rows.add(new String[] {"instance", i.getInstanceName()});
        rows.add(new String[] {"pid", Integer.toString(i.getPid())});
        rows.add(new String[] {"host", i.getHostname()});
        rows.add(new String[] {"uptime", (i.hasUptime() ? ProcessText.hms(i.getUptime()) : "-")
                + (i.hasStartTime() ? " (since " + ProcessText.dateTime(i.getStartTime(), session().zone()) + ")" : "")});
        rows.add(new String[] {"config", i.getConfigPath()
                + (i.hasConfigLoadTime() ? " (loaded " + ProcessText.dateTime(i.getConfigLoadTime(), session().zone()) + ")" : "")});
        rows.add(new String[] {"socket", orNone(i.getSocketPath())});
        rows.add(new String[] {"tcp", i.getTcpAddressesCount() == 0 ? "none" : String.join(", ", i.getTcpAddressesList())});
        rows.add(new String[] {"log", orNone(i.getLogPath())});
        rows.add(new String[] {"programs", Integer.toString(i.getProgramCount())});
        rows.add(new String[] {"processes", i.getProcessCount() + counts(i.getStateCountsList())});
        rows.add(new String[] {"journal", (i.getJournalId().isEmpty() ? "-" : i.getJournalId()) + ", latest event #" + i.getLatestSequence()});
        rows.add(new String[] {"you", i.getCallerRole().name().replace("ROLE_", "").toLowerCase(Locale.ROOT)
                + (i.getCallerIdentity().isEmpty() ? "" : " (" + i.getCallerIdentity() + ")")});
        List<String> lines = new ArrayList<>(rows.size());
        for (String[] row : rows) {
            lines.add(String.format("%-10s %s", row[0] + ":", row[1]).stripTrailing());
        }
        return lines;
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "none" : s;
    }

    private static String counts(List<ProcessStateCount> counts) {
        if (counts.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (ProcessStateCount c : counts) {
            parts.add(c.getCount() + " " + ProcessText.state(c.getState()));
        }
        return " (" + String.join(", ", parts) + ")";
    }
}
