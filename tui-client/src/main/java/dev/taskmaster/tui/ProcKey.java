package dev.taskmaster.tui;

/** One process of one daemon: the daemon's label (as shown in the header) and the process's full name. */
record ProcKey(String daemon, String fullName) {}
