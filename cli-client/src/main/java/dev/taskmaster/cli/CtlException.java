package dev.taskmaster.cli;

/**
 * A failure a command has already put into words: {@link ExitCodes} prints the message as one
 * line and exits with the code.
 */
public final class CtlException extends RuntimeException {

    private final int exitCode;

    /**
     * @param exitCode one of the {@link ExitCodes} constants
     * @param message  the whole line, without the {@code taskmasterctl: } prefix
     */
    public CtlException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
