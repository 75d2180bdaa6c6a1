package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(name = "update", description = {"Change a program's settings at runtime (not written to the config file).",
        "Options change only the keys given; -f FILE replaces the whole definition.",
        "Processes are restarted only if a changed key requires it."})
final class UpdateCommand extends Verb {

    static final String HINT = "update: supervisorctl's update is 'reload' here (apply the configuration file; 'reload -n' shows"
            + " what would change); 'update NAME OPTIONS' changes one program at runtime";

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Program name.")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "The whole program as YAML ('-' = stdin): 'NAME:' and its keys, or only its keys when NAME is given.")
    String file;

    @Mixin
    ProgramOptions program;

    @Option(names = {"-n", "--dry-run"}, description = "Only validate and show what would change.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        UpdateProgramRequest.Builder request = UpdateProgramRequest.newBuilder().setValidateOnly(dryRun);
        if (file != null) {
            if (program.anyGiven()) {
                throw new ParameterException(spec.commandLine(), "give either options or -f FILE, not both");
            }
            request.setYaml(ProgramYaml.read(file, name, session().in()));
        } else {
            if (name == null || (name.equals("all") && !program.anyGiven())) {
                // supervisorctl's "update" / "update all", typed from habit: say what does that here.
                throw new CtlException(ExitCodes.USAGE, HINT);
            }
            if (!program.anyGiven()) {
                throw new ParameterException(spec.commandLine(), "nothing to change: give options such as --cmd or --numprocs,"
                        + " or the whole program with -f FILE");
            }
            // UpdateProgram replaces the whole definition: start from the effective one, change what was typed.
            ProgramSpec.Builder spec = rpc().getProgram(GetProgramRequest.newBuilder().setName(name).build()).getProgram().toBuilder();
            program.applyTo(spec, true);
            request.setSpec(spec);
        }
        UpdateProgramResponse response = rpc().updateProgram(request.build());
        if (json) {
            Json.print(out(), response);
            return response.getErrorsCount() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
        if (response.getErrorsCount() > 0) {
            if (file != null) {
                DiffLines.printFileErrors(err(), response.getErrorsList(), file, name != null);
            } else {
                DiffLines.printOptionErrors(err(), response.getErrorsList(), spec);
            }
            throw new CtlException(ExitCodes.FAILED, "program not updated: " + response.getErrorsCount()
                    + (response.getErrorsCount() == 1 ? " error" : " errors"));
        }
        if (!DiffLines.print(out(), response.getDiff(), response.getApplied())) {
            out().println((name != null ? name : response.getProgram().getName()) + ": no changes");
        }
        return ExitCodes.OK;
    }
}
