package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.ProgramSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(name = "add", description = {"Add a program at runtime (not written to the config file; reload forgets it).",
        "Give it as options (NAME --cmd COMMAND …) or as YAML (-f FILE). Without --cmd, it is asked for at a terminal."})
final class AddCommand extends Verb {

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Program name.")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "The program as YAML ('-' = stdin): 'NAME:' and its keys, or only its keys when NAME is given.")
    String file;

    @Mixin
    ProgramOptions program;

    @Option(names = {"-n", "--dry-run"}, description = "Only validate and show what would change.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        AddProgramRequest.Builder request = AddProgramRequest.newBuilder().setValidateOnly(dryRun);
        if (file != null) {
            if (program.anyGiven()) {
                throw new ParameterException(spec.commandLine(), "give the program either as options or with -f FILE, not both");
            }
            request.setYaml(ProgramYaml.read(file, name, session().in()));
        } else {
            if (name == null) {
                throw new ParameterException(spec.commandLine(), "Missing required parameter: 'NAME' (or give the program as YAML with -f FILE)");
            }
            if (program.cmd == null) {
                program.cmd = askForCommand();
            }
            ProgramSpec.Builder spec = ProgramSpec.newBuilder().setName(name);
            program.applyTo(spec, false);
            request.setSpec(spec);
        }
        AddProgramResponse response = rpc().addProgram(request.build());
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
            throw new CtlException(ExitCodes.FAILED, "program not added: " + response.getErrorsCount()
                    + (response.getErrorsCount() == 1 ? " error" : " errors"));
        }
        DiffLines.print(out(), response.getDiff(), response.getApplied());
        return ExitCodes.OK;
    }

    /** The one required key: asked for when a person is there to answer, else a usage error. */
    private String askForCommand() {
        Session.Prompter prompter = session().prompter();
        if (!prompter.interactive()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--cmd=COMMAND' (stdin is not a terminal,"
                    + " so it cannot be asked for; or give the program as YAML with -f FILE)");
        }
        String answer = prompter.ask("Command to run for \"" + name + "\": ");
        if (answer == null || answer.isBlank()) {
            throw new ParameterException(spec.commandLine(), "no command given; " + name + " needs --cmd COMMAND");
        }
        return answer.strip();
    }
}
