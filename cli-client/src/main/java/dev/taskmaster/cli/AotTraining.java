package dev.taskmaster.cli;

import java.util.List;

/**
 * The training run of taskmasterctl's AOT cache (bin/lib/train-ctl-aot, at build time): the
 * one-shot command lines users type most, one after the other in one JVM against a training
 * daemon, so that the cache holds the classes each of them loads and links. JDK 25 makes a
 * cache from one process, hence one process for all of them; a command left out here would
 * load its classes from the jars at every call (bench/cli, issue 17).
 *
 * <p>Usage: {@code AotTraining SOCKET PROGRAM}, PROGRAM being one the training daemon runs (it
 * is stopped and started again). Run on one thread; not part of the command tree.
 */
public final class AotTraining {

    private AotTraining() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: AotTraining SOCKET PROGRAM");
            System.exit(ExitCodes.USAGE);
        }
        String socket = args[0];
        String program = args[1];
        List<List<String>> lines = List.of(
                List.of("--help"),
                List.of("--version"),
                List.of("--socket", socket, "status"),
                List.of("--socket", socket, "stop", program),
                List.of("--socket", socket, "start", program),
                List.of("--socket", socket, "status", program),
                List.of("--socket", socket, "status", "--help"));
        for (List<String> line : lines) {
            int exit = TaskmasterCtl.run(Session.system(), line.toArray(String[]::new));
            // status says 3 while the program is still starting; anything else but 0 means the
            // run did not take the path it trains (no daemon, say): the build step fails.
            if (exit != 0 && exit != ExitCodes.NOT_RUNNING) {
                System.err.println("AotTraining: 'taskmasterctl " + String.join(" ", line) + "' exited " + exit);
                System.exit(1);
            }
        }
        System.exit(0);
    }
}
