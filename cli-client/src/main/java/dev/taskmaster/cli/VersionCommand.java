package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "version", description = "Print the version of taskmasterctl and of the daemon it talks to.")
final class VersionCommand extends Verb {

    @Option(names = "--client", description = "Only taskmasterctl's version; do not contact the daemon.")
    boolean clientOnly;

    @Override
    public Integer call() {
        out().println("taskmasterctl " + TaskmasterCtl.VersionProvider.version());
        out().flush();
        if (!clientOnly) {
            GetServerInfoResponse i = rpc().getServerInfo(GetServerInfoRequest.getDefaultInstance());
            out().println("taskmasterd " + i.getVersion() + " (instance " + i.getInstanceName() + ", pid " + i.getPid() + ")");
        }
        return ExitCodes.OK;
    }
}
