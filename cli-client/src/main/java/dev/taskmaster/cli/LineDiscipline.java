package dev.taskmaster.cli;

/**
 * Line editing on our side for a program without a terminal (its stdin is a pipe, which has no
 * line editing of its own): typed characters are echoed and kept until Enter sends the line;
 * Backspace, Ctrl-U and Ctrl-C edit or drop it; Ctrl-D on an empty line closes the program's
 * input. Not thread-safe: the key loop's alone.
 */
final class LineDiscipline {

    /** What a key did: text to echo, a line to send (null: none), whether to close the input. */
    record Result(String echo, String send, boolean closeInput) {
        static final Result NOTHING = new Result("", null, false);
    }

    private final StringBuilder line = new StringBuilder();

    Result key(char c) {
        switch (c) {
            case '\r', '\n' -> {
                String send = line.append('\n').toString();
                line.setLength(0);
                return new Result("\n", send, false);
            }
            case 0x7f, '\b' -> {
                if (line.isEmpty()) {
                    return Result.NOTHING;
                }
                line.setLength(line.length() - 1);
                return new Result("\b \b", null, false);
            }
            case 0x15, 0x03 -> { // Ctrl-U, Ctrl-C: drop the line
                String erase = "\b \b".repeat(line.length());
                line.setLength(0);
                return new Result(c == 0x03 ? "^C\n" : erase, null, false);
            }
            case 0x04 -> { // Ctrl-D: end of input on an empty line, else send what is there (as a terminal does)
                if (line.isEmpty()) {
                    return new Result("", null, true);
                }
                String send = line.toString();
                line.setLength(0);
                return new Result("", send, false);
            }
            default -> {
                if (c < 0x20 && c != '\t') {
                    return Result.NOTHING; // other control keys mean nothing to a line
                }
                line.append(c);
                return new Result(String.valueOf(c), null, false);
            }
        }
    }
}
