package dev.taskmaster.tui;

import java.util.List;

/**
 * What the keys ask the daemons to do. Called on the UI thread; implementations must not block
 * it: RPCs run elsewhere and report back through the model. {@code what} names the target for
 * messages ("web:0", "group worker (3 processes)").
 */
interface Actions {

    void start(String daemon, List<String> targets, String what);

    void stop(String daemon, List<String> targets, String what);

    void restart(String daemon, List<String> targets, String what);

    void pause(String daemon, List<String> targets, String what);

    void resume(String daemon, List<String> targets, String what);

    void signal(String daemon, List<String> targets, String signal, String what);

    void reload(String daemon);

    void shutdown(String daemon);

    /** Stops every process of every connected daemon. */
    void stopAll();

    /** Fetches the program of {@code key} and shows it in the open details overlay. */
    void details(ProcKey key);

    /** Hands the terminal to the process's console until the user detaches. */
    void attach(ProcKey key);
}
