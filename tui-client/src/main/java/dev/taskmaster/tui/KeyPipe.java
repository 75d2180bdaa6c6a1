package dev.taskmaster.tui;

import java.io.InputStream;

/**
 * The bytes Lanterna decodes into keys. {@link StdinPump} is the only reader of the real
 * terminal and feeds this pipe while the monitor has the screen; during a console attach it
 * feeds the console instead, so no key is read by both. {@link #available()} is exact, which is
 * what Lanterna's non-blocking {@code pollInput} relies on.
 */
final class KeyPipe extends InputStream {

    private byte[] buf = new byte[256];
    private int head;
    private int count;
    private boolean closed;

    synchronized void feed(byte[] data) {
        if (count + data.length > buf.length) {
            byte[] bigger = new byte[Math.max(buf.length * 2, count + data.length)];
            for (int i = 0; i < count; i++) {
                bigger[i] = buf[(head + i) % buf.length];
            }
            buf = bigger;
            head = 0;
        }
        for (byte b : data) {
            buf[(head + count) % buf.length] = b;
            count++;
        }
        notifyAll();
    }

    @Override
    public synchronized int read() {
        while (count == 0 && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        if (count == 0) {
            return -1;
        }
        int b = buf[head] & 0xff;
        head = (head + 1) % buf.length;
        count--;
        return b;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        int first = read();
        if (first < 0) {
            return -1;
        }
        b[off] = (byte) first;
        int n = 1;
        while (n < len && count > 0) {
            b[off + n++] = buf[head];
            head = (head + 1) % buf.length;
            count--;
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return count;
    }

    /** End of input: readers get -1 once what was fed is read. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
