package dev.taskmaster.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a command line into words the way a POSIX shell does — blanks separate words,
 * {@code '…'} is literal, {@code "…"} keeps blanks and honours {@code \"}, {@code \\},
 * {@code \$} and {@code \`}, a backslash outside quotes escapes the next character — but
 * runs nothing: no variables, globs, pipes or redirections. Shell syntax left unquoted is an
 * error, because without a shell it would silently become an argument.
 */
public final class ShellWords {

    /** A word that a shell would read as an operator, not an argument. */
    private static final Pattern OPERATOR = Pattern.compile("\\||\\|\\||&&|&|;|;;|[0-9]*(>|>>|<|<<|>&|<&|&>).*");

    private ShellWords() {
    }

    /** @throws IllegalArgumentException with a sentence saying what is wrong */
    public static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean quoted = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (inWord) {
                    finish(words, word, quoted);
                    word.setLength(0);
                    inWord = false;
                    quoted = false;
                }
                i++;
                continue;
            }
            inWord = true;
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated single quote at character " + (i + 1));
                }
                word.append(line, i + 1, end);
                quoted = true;
                i = end + 1;
            } else if (c == '"') {
                i = doubleQuoted(line, i, word);
                quoted = true;
            } else if (c == '\\') {
                if (i + 1 >= line.length()) {
                    throw new IllegalArgumentException("a backslash at the end escapes nothing");
                }
                word.append(line.charAt(i + 1));
                quoted = true;
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        if (inWord) {
            finish(words, word, quoted);
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the command is empty");
        }
        return words;
    }

    /** Reads {@code "…"} starting at {@code start}; returns the index after the closing quote. */
    private static int doubleQuoted(String line, int start, StringBuilder word) {
        int i = start + 1;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < line.length() && "\"\\$`\n".indexOf(line.charAt(i + 1)) >= 0) {
                if (line.charAt(i + 1) != '\n') {
                    word.append(line.charAt(i + 1));
                }
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        throw new IllegalArgumentException("unterminated double quote at character " + (start + 1));
    }

    private static void finish(List<String> words, StringBuilder word, boolean quoted) {
        String w = word.toString();
        if (!quoted && OPERATOR.matcher(w).matches()) {
            throw new IllegalArgumentException("\"" + w + "\" is shell syntax, but cmd runs without a shell;"
                    + " quote it to pass it as an argument, or run a shell: sh -c '…'");
        }
        words.add(w);
    }
}
