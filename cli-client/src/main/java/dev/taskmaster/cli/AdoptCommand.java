package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.AdoptProcessRequest;
import dev.taskmaster.proto.v1.AdoptProcessResponse;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(name = "adopt", description = {"Supervise a process the daemon did not start, as a program's (stopped) instance.",
        "Its output is not captured and its exit code cannot be known; when it ends, the program's autorestart runs its cmd.",
        "With program options (--cmd COMMAND and any of add's), NAME is a new program, added (autostart off) and given the"
                + " process in one step; if the adoption fails, the program is removed again."})
final class AdoptCommand extends Verb {

    @Parameters(index = "0", paramLabel = "PID", description = "Process id of the running process.")
    int pid;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Program name (a program with one instance) or an instance's full name; it must not be running."
                    + " With program options: the new program's name.")
    String name;

    @Mixin
    ProgramOptions program;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        boolean added = program.anyGiven();
        if (added) {
            addProgram();
        }
        AdoptProcessResponse response;
        try {
            response = rpc().adoptProcess(AdoptProcessRequest.newBuilder().setPid(pid).setName(name).build());
        } catch (StatusRuntimeException e) {
            if (added) {
                // Nothing half-done: the program was made for this process only.
                rpc().removeProgram(RemoveProgramRequest.newBuilder().setName(name).build());
            }
            throw e;
        }
        if (json) {
            Json.print(out(), response);
        } else {
            out().println(response.getProcess().getFullName() + ": " + (added ? "added (autostart off) and " : "")
                    + "adopted pid " + response.getProcess().getPid() + " (output not captured)");
        }
        return ExitCodes.OK;
    }

    /** The new program: add's options, of one instance, never started by the add itself (its process runs already). */
    private void addProgram() {
        if (program.cmd == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--cmd=COMMAND' with program options:"
                    + " what to run when the adopted process ends and its autorestart starts it again");
        }
        if (Boolean.TRUE.equals(program.autostart)) {
            throw new ParameterException(spec.commandLine(), "--autostart cannot be given to adopt: the process runs already,"
                    + " and the program is added with autostart off");
        }
        if (program.numprocs != null && program.numprocs != 1) {
            throw new ParameterException(spec.commandLine(), "--numprocs " + program.numprocs
                    + " cannot be given to adopt: one process is adopted, as a program of one instance");
        }
        ProgramSpec.Builder settings = ProgramSpec.newBuilder().setName(name);
        program.applyTo(settings, false);
        settings.setAutostart(false);
        AddProgramResponse response;
        try {
            response = rpc().addProgram(AddProgramRequest.newBuilder().setSpec(settings).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                throw new CtlException(ExitCodes.FAILED, "program " + name + " exists already: adopt into it without program"
                        + " options, or change it first with 'taskmasterctl update'");
            }
            throw e;
        }
        if (response.getErrorsCount() > 0) {
            DiffLines.printOptionErrors(err(), response.getErrorsList(), spec);
            throw new CtlException(ExitCodes.FAILED, "program not added, nothing adopted: " + response.getErrorsCount()
                    + (response.getErrorsCount() == 1 ? " error" : " errors"));
        }
    }
}
