package dev.taskmaster.server.notify;

import java.util.Map;
import java.util.Objects;

/**
 * One notification, ready for any channel: one or more events batched by a rule. Immutable.
 *
 * @param rule    the name of the rule that sent it
 * @param subject one line: host, program and what happened ({@code [web01] worker:0 FATAL: exited with status 3, 5 restarts})
 * @param text    the body for people: host, program, state change, exit reason, restart count and the
 *                last lines of the program's output, for every event in it
 * @param json    the same as one JSON object, for machines (webhook body, exec's stdin)
 * @param env     the main fields as environment variables for an exec target ({@code TASKMASTER_EVENT}, …)
 */
public record Message(String rule, String subject, String text, String json, Map<String, String> env) {

    public Message {
        Objects.requireNonNull(rule);
        Objects.requireNonNull(subject);
        Objects.requireNonNull(text);
        Objects.requireNonNull(json);
        env = Map.copyOf(env);
    }
}
