package dev.taskmaster.config;

import java.util.Map;

/**
 * {@code ${VAR}} and {@code ${VAR:-default}} expansion, as in a POSIX shell or a compose file.
 * {@code $$} is a literal {@code $}; a {@code $} not followed by {@code {} stays as it is, so
 * commands such as {@code sh -c 'echo $HOME'} keep their own variables for the shell.
 */
final class Expander {

    private Expander() {
    }

    /** @throws IllegalArgumentException naming the variable or the malformed reference */
    static String expand(String text, Map<String, String> env) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 >= text.length()) {
                out.append(c);
                i++;
            } else if (text.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (text.charAt(i + 1) == '{') {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated \"${\" in \"" + text + "\"; expected ${NAME} or ${NAME:-default}");
                }
                out.append(resolve(text.substring(i + 2, end), env));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String resolve(String reference, Map<String, String> env) {
        int sep = reference.indexOf(":-");
        String name = sep < 0 ? reference : reference.substring(0, sep);
        if (sep >= 0 && reference.indexOf("${", sep) >= 0) {
            // The reference ended at the first "}", so a nested one would be cut in two.
            throw new IllegalArgumentException("nested \"${\" in the default of \"${" + name
                    + ":-…}\" is not supported; use a literal default");
        }
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("invalid variable reference \"${" + reference
                    + "}\"; expected ${NAME} or ${NAME:-default}");
        }
        String value = env.get(name);
        if (value != null && !(sep >= 0 && value.isEmpty())) {
            return value;
        }
        if (sep >= 0) {
            return reference.substring(sep + 2);
        }
        throw new IllegalArgumentException("environment variable \"" + name
                + "\" is not set; set it or write ${" + name + ":-default}");
    }
}
