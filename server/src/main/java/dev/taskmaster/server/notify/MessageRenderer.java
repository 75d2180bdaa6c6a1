package dev.taskmaster.server.notify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link Batch} into the {@link Message} every channel sends: a subject, a text for
 * people, JSON for machines and {@code TASKMASTER_*} variables. Runs on a delivery thread (it
 * reads the processes' output rings). Stateless apart from its settings; thread-safe.
 */
final class MessageRenderer {

    private final String host;
    private final OutputTails tails;

    MessageRenderer(String host, OutputTails tails) {
        this.host = host;
        this.tails = tails;
    }

    String host() {
        return host;
    }

    Message render(Batch batch, Instant now) {
        List<Batch.Group> groups = batch.groups();
        // Keyed by identity: two groups may be equal as values (same counts, same event).
        Map<Batch.Group, List<String>> output = new java.util.IdentityHashMap<>();
        for (Batch.Group g : groups) {
            output.put(g, g.last().isDaemonEvent() ? List.of() : tails.lastLines(g.last().process()));
        }
        String subject = "[" + host + "] " + (batch.test() ? "test message of notify rule " + batch.rule()
                : groups.size() == 1 ? line(groups.getFirst(), batch) : batch.events() + " events: " + line(groups.getFirst(), batch)
                        + " (and " + (groups.size() - 1) + " more)");
        StringBuilder text = new StringBuilder();
        text.append("Host: ").append(host).append('\n').append("Rule: ").append(batch.rule()).append('\n');
        if (batch.test()) {
            text.append("\nThis is a test message sent by taskmasterctl notify test; nothing happened.\n");
        }
        for (Batch.Group g : groups) {
            Occurrence o = g.last();
            text.append('\n').append(line(g, batch)).append('\n');
            if (!o.isDaemonEvent()) {
                text.append("  process: ").append(o.process()).append(" (program ").append(o.program()).append(")\n");
                if (!o.to().isEmpty()) {
                    text.append("  state: ").append(o.from()).append(" -> ").append(o.to()).append('\n');
                }
                o.exitText().ifPresent(x -> text.append("  exit: ").append(x).append('\n'));
                text.append("  restarts: ").append(o.restarts()).append('\n');
            }
            text.append("  reason: ").append(o.reason()).append('\n');
            text.append("  at: ").append(o.time()).append(g.count() > 1 ? " (first at " + g.first() + ")" : "").append('\n');
            List<String> lines = output.get(g);
            if (!lines.isEmpty()) {
                text.append("  last output:\n");
                lines.forEach(l -> text.append("    | ").append(l).append('\n'));
            }
        }
        Json json = new Json().open().field("host", host).field("rule", batch.rule()).field("subject", subject)
                .field("test", batch.test()).field("sent_at", now.toString()).field("window_seconds", batch.window().toSeconds())
                .openList("events");
        for (Batch.Group g : groups) {
            Occurrence o = g.last();
            json.open().field("kind", o.kind().yamlName()).field("process", o.process()).field("program", o.program())
                    .field("group", o.group()).field("from", o.from()).field("to", o.to()).field("reason", o.reason())
                    .field("exit", o.exit()).field("restarts", o.restarts()).field("pid", o.pid()).field("count", g.count())
                    .field("first_time", g.first().toString()).field("time", o.time().toString())
                    .strings("output", output.get(g)).close();
        }
        json.closeList().field("text", text.toString()).close();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TASKMASTER_HOST", host);
        env.put("TASKMASTER_RULE", batch.rule());
        env.put("TASKMASTER_SUBJECT", subject);
        env.put("TASKMASTER_EVENTS", Integer.toString(batch.events()));
        env.put("TASKMASTER_TEST", Boolean.toString(batch.test()));
        if (!groups.isEmpty()) {
            Batch.Group g = groups.getFirst();
            Occurrence o = g.last();
            env.put("TASKMASTER_EVENT", o.kind().yamlName());
            env.put("TASKMASTER_PROCESS", o.process());
            env.put("TASKMASTER_PROGRAM", o.program());
            env.put("TASKMASTER_FROM_STATE", o.from());
            env.put("TASKMASTER_TO_STATE", o.to());
            env.put("TASKMASTER_REASON", o.reason());
            env.put("TASKMASTER_EXIT", o.exit());
            env.put("TASKMASTER_RESTARTS", Integer.toString(o.restarts()));
            env.put("TASKMASTER_COUNT", Integer.toString(g.count()));
        }
        return new Message(batch.rule(), subject, text.toString(), json.toString(), env);
    }

    /** {@code worker:0 exited unexpectedly 99 times in the last 60 s; last: exited with code 3 (unexpected)}. */
    private static String line(Batch.Group g, Batch batch) {
        Occurrence o = g.last();
        String what = o.headline();
        if (g.count() > 1) {
            what += " " + g.count() + " times in the last " + batch.window().toSeconds() + " s; last: ";
        } else {
            what += ": ";
        }
        return what + o.exitText().map(x -> x + (o.reason().contains(x) ? "" : " — " + o.reason())).orElse(o.reason())
                + (o.isDaemonEvent() ? "" : ", " + o.restarts() + " restarts");
    }
}
