package dev.taskmaster.server.notify;

import dev.taskmaster.config.NotifyEvent;
import dev.taskmaster.config.NotifyRule;
import dev.taskmaster.config.NotifyTarget;
import dev.taskmaster.server.engine.EngineEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the engine's events to the {@code notify:} rules. A journal listener: on the engine
 * thread it only matches the event against the rules and hands it to each matching rule's
 * {@link RuleBatcher}, which queues it (bounded) for that rule's {@link RuleDelivery} thread:
 * nothing here blocks, however slow or dead a receiver is.
 *
 * <p>Threading: {@link #accept} on the engine thread; {@link #update}, {@link #test} and
 * {@link #close} from any thread (a reload's, a gRPC one, the daemon's main thread).
 */
public final class Notifier implements Consumer<EngineEvent>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    /** How long a rule removed or changed by a reload, or the daemon stopping, may take to deliver what it has. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    /** Makes a rule's channel: the daemon's makes real ones; tests may count or fail. */
    @FunctionalInterface
    public interface Channels {
        Channel of(NotifyRule rule, String hostname);

        Channels REAL = (rule, hostname) -> switch (rule.target()) {
            case NotifyTarget.Webhook w -> new WebhookChannel(w, rule.timeout());
            case NotifyTarget.Exec e -> new ExecChannel(e, rule.timeout());
            case NotifyTarget.Email m -> new dev.taskmaster.server.notify.mail.MailChannel(m.spec(), hostname);
        };
    }

    /** What a test message through one rule became. */
    public record TestResult(String rule, String target, Optional<String> failure) {
        public boolean delivered() {
            return failure.isEmpty();
        }
    }

    /** A rule at work: its settings, patterns, batcher and delivery thread. */
    private record Running(NotifyRule rule, List<Pattern> programs, RuleBatcher batcher, RuleDelivery delivery) {
        boolean wants(Occurrence o) {
            if (!rule.on().contains(o.kind())) {
                return false;
            }
            if (programs.isEmpty() || o.isDaemonEvent()) {
                return true;
            }
            String groupName = o.group() + ":" + o.process();
            return programs.stream().anyMatch(p -> p.matcher(o.process()).matches() || p.matcher(o.program()).matches()
                    || p.matcher(groupName).matches());
        }
    }

    private final String hostname;
    private final MessageRenderer renderer;
    private final FailureSink failures;
    private final RetryPolicy backoff;
    private final Channels channels;
    private final NotifyCounters counters = new NotifyCounters();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("taskmaster-notify-timer").factory());
    /** Replaced whole by {@link #update}; read by the engine thread without a lock. */
    private volatile Map<String, Running> rules = Map.of();
    private boolean closed;

    public Notifier(List<NotifyRule> rules, String hostname, OutputTails tails, FailureSink failures) {
        this(rules, hostname, tails, failures, RetryPolicy.DEFAULT, Channels.REAL);
    }

    public Notifier(List<NotifyRule> rules, String hostname, OutputTails tails, FailureSink failures, RetryPolicy backoff,
            Channels channels) {
        this.hostname = hostname;
        this.renderer = new MessageRenderer(hostname, tails);
        this.failures = failures;
        this.backoff = backoff;
        this.channels = channels;
        update(rules);
    }

    /** This machine's name as the kernel knows it: no DNS look-up, which could block. */
    public static String hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // below
        }
        return Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("localhost");
    }

    public NotifyCounters counters() {
        return counters;
    }

    @Override
    public void accept(EngineEvent event) {
        Map<String, Running> now = rules;
        if (now.isEmpty()) {
            return;
        }
        List<Occurrence> occurrences = Occurrence.of(event);
        if (occurrences.isEmpty()) {
            return;
        }
        for (Running r : now.values()) {
            // The most telling kind the rule asked for: one crash is one event for it, not two.
            for (Occurrence o : occurrences) {
                if (r.wants(o)) {
                    r.batcher().add(o);
                    break;
                }
            }
        }
    }

    /**
     * Applies the rules of a new configuration: a rule unchanged goes on as it was (its queue and
     * rate limit included); a changed or removed one delivers what it holds, as it was, then ends.
     */
    public void update(List<NotifyRule> next) {
        List<Running> retired = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            Map<String, Running> old = rules;
            Map<String, Running> made = new LinkedHashMap<>();
            for (NotifyRule rule : next) {
                Running same = old.get(rule.name());
                made.put(rule.name(), same != null && same.rule().equals(rule) ? same : start(rule));
            }
            old.forEach((name, running) -> {
                if (made.get(name) != running) {
                    retired.add(running);
                }
            });
            rules = java.util.Collections.unmodifiableMap(made); // in configuration order
            if (!retired.isEmpty() || made.size() != old.size() || !made.keySet().equals(old.keySet())
                    || made.values().stream().anyMatch(r -> !old.containsValue(r))) {
                log.info("notify rules: {}", made.isEmpty() ? "none" : String.join(", ", made.values().stream()
                        .map(r -> r.rule().name() + " (" + r.delivery().describe() + ")").toList()));
            }
        }
        // Off the caller's thread: a retiring rule may take its grace period to deliver.
        if (!retired.isEmpty()) {
            Thread.ofVirtual().name("taskmaster-notify-retire").start(() -> retired.forEach(Notifier::retire));
        }
    }

    private Running start(NotifyRule rule) {
        Channel channel = channels.of(rule, hostname);
        RuleDelivery delivery = new RuleDelivery(rule.name(), rule.target().kind(), channel, rule.queue(), rule.retries(),
                backoff, renderer, failures, counters);
        RuleBatcher batcher = new RuleBatcher(rule.name(), rule.batch(), timer, delivery::submit);
        List<Pattern> patterns = rule.programs().stream().map(Notifier::glob).toList();
        return new Running(rule, patterns, batcher, delivery);
    }

    private static void retire(Running r) {
        r.batcher().close();
        r.delivery().close(CLOSE_GRACE);
    }

    /** {@code worker:*} → a regex: {@code *} any run of characters, {@code ?} one; the rest literal. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** The names of the rules in force, in configuration order. */
    public List<String> ruleNames() {
        return List.copyOf(rules.keySet());
    }

    /**
     * Sends a test message through {@code rule} (every rule when empty), once each, no retry,
     * on fresh channels and a thread of its own (never the engine's, nor the rules' delivery
     * threads, which may be busy retrying). Completes when every one has been tried.
     *
     * @throws IllegalArgumentException when there is no rule of that name
     */
    public CompletableFuture<List<TestResult>> test(Optional<String> rule) {
        Map<String, Running> now = rules;
        List<NotifyRule> chosen;
        if (rule.isPresent()) {
            Running r = now.get(rule.get());
            if (r == null) {
                throw new IllegalArgumentException("no notify rule named \"" + rule.get() + "\""
                        + dev.taskmaster.config.Suggestions.closest(rule.get(), now.keySet())
                                .map(n -> "; did you mean \"" + n + "\"?").orElse(now.isEmpty()
                                        ? "; the configuration has no notify rules"
                                        : "; the rules are: " + String.join(", ", now.keySet())));
            }
            chosen = List.of(r.rule());
        } else {
            chosen = now.values().stream().map(Running::rule).toList();
        }
        CompletableFuture<List<TestResult>> done = new CompletableFuture<>();
        Thread.ofVirtual().name("taskmaster-notify-test").start(() -> {
            try {
                List<CompletableFuture<TestResult>> each = chosen.stream().map(r -> CompletableFuture.supplyAsync(
                        () -> testOne(r), t -> Thread.ofVirtual().name("taskmaster-notify-test-" + r.name()).start(t)))
                        .toList();
                done.complete(each.stream().map(CompletableFuture::join).toList());
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private TestResult testOne(NotifyRule rule) {
        Channel channel = channels.of(rule, hostname);
        Occurrence o = new Occurrence(NotifyEvent.DAEMON_STARTED, Instant.now(), "", "", "", "", "",
                "a test message of notify rule " + rule.name() + " (taskmasterctl notify test); nothing happened", "", 0, 0);
        Batch batch = new Batch(rule.name(), List.of(new Batch.Group(o, 1, o.time())), Duration.ZERO, true);
        Optional<String> failure = RuleDelivery.tryOnce(channel, renderer.render(batch, Instant.now()));
        if (failure.isPresent()) {
            log.warn("notify rule {}: test message not delivered ({}): {}", rule.name(), channel.describe(), failure.get());
        } else {
            log.info("notify rule {}: test message delivered ({})", rule.name(), channel.describe());
        }
        return new TestResult(rule.name(), channel.describe(), failure);
    }

    /** Messages waiting in {@code rule}'s queue; for tests. */
    int queued(String rule) {
        Running r = rules.get(rule);
        return r == null ? 0 : r.delivery().queued();
    }

    /**
     * Sends what the rules have gathered, gives their deliveries up to {@link #CLOSE_GRACE} to
     * finish (all rules at once), and stops. What is still queued then is reported lost.
     */
    @Override
    public void close() {
        Map<String, Running> last;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            last = rules;
            rules = Map.of();
        }
        last.values().forEach(r -> r.batcher().close());
        List<Thread> closing = last.values().stream().map(r -> Thread.ofVirtual().start(
                () -> r.delivery().close(CLOSE_GRACE))).toList();
        for (Thread t : closing) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timer.shutdownNow();
    }
}
