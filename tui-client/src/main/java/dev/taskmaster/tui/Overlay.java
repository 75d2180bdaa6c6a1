package dev.taskmaster.tui;

import java.util.List;

/** What covers the table, if anything: at most one at a time, closed with Esc. */
sealed interface Overlay {

    /** Every key and what it does, scrolled {@code scroll} lines down (a short terminal cannot show them all). */
    record Help(int scroll) implements Overlay {
        Help() {
            this(0);
        }
    }

    /** A program's whole spec and a process's recent exits; {@code lines} are filled in when GetProgram answers. */
    record Details(ProcKey key, List<String> lines, int scroll) implements Overlay {}

    /** Pick a signal to send to {@code targets} of {@code daemon}. */
    record SignalPicker(String daemon, List<String> targets, String what, int index) implements Overlay {}

    /** A question answered with y (run {@code onYes}) or anything else (do nothing). */
    record Confirm(String question, Runnable onYes) implements Overlay {}
}
