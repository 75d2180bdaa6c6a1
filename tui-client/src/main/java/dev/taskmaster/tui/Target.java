package dev.taskmaster.tui;

import java.nio.file.Path;

/** A daemon to monitor: how the screen names it, and the socket it listens on. */
record Target(String label, Path socket) {}
