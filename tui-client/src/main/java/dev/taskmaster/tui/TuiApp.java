package dev.taskmaster.tui;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.screen.Screen;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The UI thread: the only one that touches the model and the screen. It sleeps until something
 * happens (a key, a posted change, a resize) or the next second (uptimes tick), applies what
 * came, and redraws at most {@link #MAX_FPS} times a second. No busy loop: an idle monitor wakes
 * once a second and sends only the cells that changed.
 */
final class TuiApp implements Ui {

    static final int MAX_FPS = 30;
    private static final long FRAME_NANOS = TimeUnit.SECONDS.toNanos(1) / MAX_FPS;
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ScreenModel model;
    private final Screen screen;
    private final Renderer renderer;
    private final ConcurrentLinkedQueue<Consumer<ScreenModel>> inbox = new ConcurrentLinkedQueue<>();
    private volatile Thread uiThread;
    private ProcKey pendingAttach;
    /** After a resize the terminal may have reflowed or cleared what it showed: repaint every cell once. */
    private boolean repaintAll;

    TuiApp(ScreenModel model, Screen screen, Renderer renderer) {
        this.model = model;
        this.screen = screen;
        this.renderer = renderer;
    }

    @Override
    public void post(Consumer<ScreenModel> task) {
        inbox.add(task);
        wake();
    }

    /** Makes the UI thread look at its inputs now. Any thread; cheap. */
    void wake() {
        Thread t = uiThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Asks for a console attach once the current key is handled (UI thread). */
    void requestAttach(ProcKey key) {
        pendingAttach = key;
    }

    /** Runs until the model asks to quit. The screen must be started. */
    void loop(Controller controller, OutputFollower follower, Map<String, DaemonLink> links, Console console) throws IOException {
        uiThread = Thread.currentThread();
        long lastFrame = System.nanoTime() - FRAME_NANOS;
        long nextTick = System.nanoTime();
        boolean dirty = true;
        while (!model.quit()) {
            boolean changed = drainInbox();
            KeyStroke key;
            while (!model.quit() && pendingAttach == null && (key = screen.pollInput()) != null) {
                controller.handle(key);
                changed = true;
            }
            if (pendingAttach != null) {
                ProcKey target = pendingAttach;
                pendingAttach = null;
                // The pane's own stream would pile up output nobody applies while the console
                // holds this thread: stop it, and follow afresh (with scrollback) afterwards.
                follower.reset();
                attach(console, links.get(target.daemon()), target);
                changed = true;
            }
            follower.sync(model, links);
            if (checkResize()) {
                changed = true;
            }
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                changed = true;
                nextTick = now + TICK_NANOS;
            }
            dirty |= changed;
            if (dirty && now - lastFrame >= FRAME_NANOS) {
                render();
                lastFrame = now;
                dirty = false;
            }
            if (model.quit()) {
                break;
            }
            long until = dirty ? lastFrame + FRAME_NANOS : nextTick;
            LockSupport.parkNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), until - System.nanoTime()));
        }
    }

    private boolean drainInbox() {
        boolean any = false;
        Consumer<ScreenModel> task;
        while ((task = inbox.poll()) != null) {
            task.accept(model);
            any = true;
        }
        return any;
    }

    private void attach(Console console, DaemonLink link, ProcKey key) throws IOException {
        String why = console.run(link, key.fullName());
        // The console's program drew on the terminal meanwhile: what Lanterna believes is on the
        // screen is not, so the next frame sends every cell, not just the ones it thinks changed.
        repaintAll = true;
        drainInbox();
        model.message(Console.DETACHED.equals(why) ? "detached from " + key.fullName() + "; it keeps running"
                : key.fullName() + ": " + why, !Console.DETACHED.equals(why));
    }

    /** Takes a pending terminal resize into account; true if there was one. */
    boolean checkResize() {
        if (screen.doResizeIfNecessary() != null) {
            repaintAll = true;
            return true;
        }
        return false;
    }

    /**
     * Draws the whole frame into the back buffer; the delta refresh sends only what changed
     * (everything once after a resize).
     */
    void render() throws IOException {
        screen.clear();
        Renderer.Frame frame = renderer.draw(model, screen.newTextGraphics(), screen.getTerminalSize());
        screen.setCursorPosition(frame == null ? null : new TerminalPosition(frame.cursorColumn(), frame.cursorRow()));
        screen.refresh(repaintAll ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
        repaintAll = false;
    }
}
