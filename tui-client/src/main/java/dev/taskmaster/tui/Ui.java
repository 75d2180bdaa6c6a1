package dev.taskmaster.tui;

import java.util.function.Consumer;

/** The UI thread, as seen from network threads: the only way they change what is shown. */
interface Ui {

    /** Runs {@code task} on the UI thread, soon, in the order posted; then the screen is redrawn. Never blocks. */
    void post(Consumer<ScreenModel> task);
}
