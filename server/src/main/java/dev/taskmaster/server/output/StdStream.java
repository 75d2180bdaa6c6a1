package dev.taskmaster.server.output;

/** One of a process's two output streams. A terminal's output is {@link #STDOUT}. */
public enum StdStream {
    STDOUT,
    STDERR
}
