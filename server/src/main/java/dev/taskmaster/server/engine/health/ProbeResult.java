package dev.taskmaster.server.engine.health;

/**
 * What one probe found. Immutable.
 *
 * @param healthy whether the probe passed
 * @param output  one short text saying what it saw, at most {@link #MAX_OUTPUT} characters
 */
public record ProbeResult(boolean healthy, String output) {

    /** The contract keeps "a few KiB" of a probe's output. */
    public static final int MAX_OUTPUT = 4096;

    public ProbeResult {
        output = output.length() > MAX_OUTPUT ? output.substring(0, MAX_OUTPUT) : output;
    }

    public static ProbeResult healthy(String output) {
        return new ProbeResult(true, output);
    }

    public static ProbeResult failed(String output) {
        return new ProbeResult(false, output);
    }
}
