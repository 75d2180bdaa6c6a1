package dev.taskmaster.config.supervisord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two ways supervisord splits text, from Python's {@code shlex} in POSIX mode: a command
 * into its words ({@code shlex.split}, as supervisord does before exec), and
 * {@code environment=KEY="val",KEY2=val2} into pairs (its {@code dict_of_key_value_pairs}).
 * Inside double quotes a backslash escapes only {@code "} and {@code \}; a backslash outside
 * quotes escapes any character; single quotes keep everything.
 *
 * <p>Stateless; safe from any thread.
 */
final class PythonShlex {

    /** Characters shlex reads as part of a word in the pair syntax, besides letters and digits. */
    private static final String PAIR_WORD_CHARS = "_/.+-():";

    private PythonShlex() {
    }

    /** {@code shlex.split(text)}. @throws IllegalArgumentException as shlex would fail */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                inWord = true;
                i = wordPart(text, i, word);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /**
     * {@code dict_of_key_value_pairs}: {@code KEY=value} pairs separated by commas, a value
     * quoted when it holds anything but letters, digits and {@value #PAIR_WORD_CHARS}.
     *
     * @throws IllegalArgumentException with supervisord's reason
     */
    static Map<String, String> keyValuePairs(String text) {
        List<String> tokens = pairTokens(text);
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i += 4) {
            if (!"=".equals(tokens.get(i + 1))) {
                throw new IllegalArgumentException("unexpected end of key/value pairs in \"" + text
                        + "\"; expected KEY=value pairs separated by commas, values with other characters than letters, digits and "
                        + PAIR_WORD_CHARS + " in quotes");
            }
            pairs.put(tokens.get(i), tokens.get(i + 2));
        }
        return pairs;
    }

    private static List<String> pairTokens(String text) {
        List<String> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            boolean wordChar = Character.isLetterOrDigit(c) || PAIR_WORD_CHARS.indexOf(c) >= 0 || c >= 0x80;
            if (wordChar || c == '\'' || c == '"' || c == '\\') {
                inWord = true;
                if (wordChar) {
                    word.append(c);
                    i++;
                } else {
                    i = wordPart(text, i, word);
                }
                continue;
            }
            if (inWord) {
                tokens.add(word.toString());
                word.setLength(0);
                inWord = false;
            }
            if (!Character.isWhitespace(c)) {
                tokens.add(String.valueOf(c));
            }
            i++;
        }
        if (inWord) {
            tokens.add(word.toString());
        }
        // A key/value list ends without a comma; the loop above expects one after each pair.
        if (tokens.size() % 4 == 3) {
            tokens.add(",");
        }
        if (tokens.size() % 4 != 0) {
            throw new IllegalArgumentException("unexpected end of key/value pairs in \"" + text
                    + "\"; expected KEY=value pairs separated by commas");
        }
        return tokens;
    }

    /** One quoted string, escaped character or plain character at {@code i}; returns the index after it. */
    private static int wordPart(String text, int i, StringBuilder word) {
        char c = text.charAt(i);
        if (c == '\'') {
            int end = text.indexOf('\'', i + 1);
            if (end < 0) {
                throw new IllegalArgumentException("no closing quotation (the ' at character " + (i + 1) + ")");
            }
            word.append(text, i + 1, end);
            return end + 1;
        }
        if (c == '"') {
            int j = i + 1;
            while (j < text.length()) {
                char d = text.charAt(j);
                if (d == '"') {
                    return j + 1;
                }
                if (d == '\\' && j + 1 < text.length()) {
                    char next = text.charAt(j + 1);
                    if (next != '"' && next != '\\') {
                        word.append('\\');
                    }
                    word.append(next);
                    j += 2;
                } else {
                    word.append(d);
                    j++;
                }
            }
            throw new IllegalArgumentException("no closing quotation (the \" at character " + (i + 1) + ")");
        }
        if (c == '\\') {
            if (i + 1 >= text.length()) {
                throw new IllegalArgumentException("no escaped character (a backslash at the end)");
            }
            word.append(text.charAt(i + 1));
            return i + 2;
        }
        word.append(c);
        return i + 1;
    }
}
