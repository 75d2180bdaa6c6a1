package dev.taskmaster.tui;

import dev.taskmaster.client.DaemonTarget;

/** A daemon to monitor: how the screen names it (its HOST column and header), and how to reach it. */
record Target(String label, DaemonTarget target) {}
