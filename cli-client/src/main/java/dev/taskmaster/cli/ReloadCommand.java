package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reload", description = {"Re-read the configuration file and apply what changed.",
        "Unchanged processes are not touched; an invalid file changes nothing."})
final class ReloadCommand extends Verb {

    @Option(names = {"-n", "--dry-run"}, description = "Only validate the file and show what would change (supervisorctl's reread).")
    boolean dryRun;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        ReloadConfigResponse response = rpc().reloadConfig(ReloadConfigRequest.newBuilder().setValidateOnly(dryRun).build());
        if (json) {
            Json.print(out(), response);
            return response.getErrorsCount() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
        if (response.getErrorsCount() > 0) {
            DiffLines.printErrors(err(), response.getErrorsList());
            throw new CtlException(ExitCodes.FAILED, response.getErrorsCount() + (response.getErrorsCount() == 1 ? " error" : " errors")
                    + " in " + response.getConfigPath() + "; nothing was changed");
        }
        if (!DiffLines.print(out(), response.getDiff(), response.getApplied())) {
            out().println("no changes in " + response.getConfigPath());
        }
        return ExitCodes.OK;
    }
}
