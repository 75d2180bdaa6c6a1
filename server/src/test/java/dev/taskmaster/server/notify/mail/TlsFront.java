package dev.taskmaster.server.notify.mail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The TLS of a test mail server, in front of GreenMail's plain SMTP port: GreenMail has SMTPS
 * only with one JVM-wide key store, and no STARTTLS at all. In {@link Mode#STARTTLS} it relays
 * the greeting and EHLO, adds STARTTLS to the extensions, answers the STARTTLS command and
 * upgrades the client's socket itself; in {@link Mode#SMTPS} it speaks TLS from the first byte;
 * in {@link Mode#PLAIN} it only relays. Either way it keeps what the client said (after
 * decryption) for the test to read, and the handshake failures it saw.
 *
 * <p>Threading: an accept thread and two threads per connection; {@link #close} closes every
 * socket and waits for every thread.
 */
final class TlsFront implements AutoCloseable {

    enum Mode { STARTTLS, SMTPS, PLAIN }

    private final Mode mode;
    private final SSLContext tls;
    private final int upstreamPort;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream said = new ByteArrayOutputStream();
    final List<Exception> handshakeFailures = new CopyOnWriteArrayList<>();

    TlsFront(Mode mode, SSLContext tls, int upstreamPort) throws IOException {
        this.mode = mode;
        this.tls = tls;
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread("tls-front-accept-" + port(), this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** What clients sent, decrypted, all connections in order. */
    String clientSaid() {
        synchronized (said) {
            return said.toString(StandardCharsets.UTF_8);
        }
    }

    /** Connections whose client has not hung up yet. */
    long openConnections() {
        return threads.stream().filter(t -> t.getName().startsWith("tls-front-conn-") && t.isAlive()).count();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                thread("tls-front-conn-" + port(), () -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            sockets.add(upstream);
            Socket front = switch (mode) {
                case PLAIN -> client;
                case SMTPS -> handshake(client);
                case STARTTLS -> startTls(client, upstream);
            };
            if (front == null) {
                return;
            }
            Socket secured = front;
            Thread back = thread("tls-front-back-" + port(), () -> pump(upstream, secured, false));
            pump(secured, upstream, true);
            upstream.shutdownOutput();
            back.join(10_000);
        } catch (IOException | InterruptedException e) {
            // the client or the test went away: nothing to relay any more
        } finally {
            closeQuietly(client);
        }
    }

    /** Greeting and EHLO relayed in plain text, STARTTLS offered and answered here; the upgraded socket, or null. */
    private Socket startTls(Socket client, Socket upstream) throws IOException {
        InputStream fromClient = client.getInputStream();
        OutputStream toClient = client.getOutputStream();
        InputStream fromServer = upstream.getInputStream();
        OutputStream toServer = upstream.getOutputStream();
        toClient.write(reply(fromServer).getBytes(StandardCharsets.US_ASCII));
        while (true) {
            String line = line(fromClient);
            if (line == null) {
                return null;
            }
            record(line);
            if (line.strip().equalsIgnoreCase("STARTTLS")) {
                toClient.write("220 2.0.0 Ready to start TLS\r\n".getBytes(StandardCharsets.US_ASCII));
                toClient.flush();
                return handshake(client);
            }
            toServer.write(line.getBytes(StandardCharsets.US_ASCII));
            toServer.flush();
            String answer = reply(fromServer);
            if (line.regionMatches(true, 0, "EHLO", 0, 4)) {
                int firstEnd = answer.indexOf("\r\n") + 2;
                answer = "250-" + answer.substring(4, firstEnd) + "250-STARTTLS\r\n" + answer.substring(firstEnd);
            }
            toClient.write(answer.getBytes(StandardCharsets.US_ASCII));
            toClient.flush();
        }
    }

    private Socket handshake(Socket client) {
        try {
            SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(client,
                    client.getInetAddress().getHostAddress(), client.getPort(), true);
            secured.setUseClientMode(false);
            sockets.add(secured);
            secured.startHandshake();
            return secured;
        } catch (IOException e) {
            handshakeFailures.add(e);
            return null;
        }
    }

    private void pump(Socket from, Socket to, boolean record) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (record) {
                    synchronized (said) {
                        said.write(buffer, 0, n);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            if (!record) {
                closeQuietly(to); // the server ended the session: so does the client's side
            }
        }
    }

    private void record(String line) {
        synchronized (said) {
            said.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** One line with its CRLF, read byte by byte so nothing after it (a TLS ClientHello) is consumed. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            b.append((char) c);
            if (c == '\n') {
                return b.toString();
            }
        }
        return b.isEmpty() ? null : b.toString();
    }

    /** An SMTP reply, all its lines ("250-…" until "250 …"). */
    private static String reply(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l = line(in); l != null; l = line(in)) {
            b.append(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                break;
            }
        }
        return b.toString();
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        // twice: a connection thread may have started its second thread while the first round ran
        for (int round = 0; round < 2; round++) {
            for (Socket s : sockets) {
                closeQuietly(s);
            }
            for (Thread t : new ArrayList<>(threads)) {
                t.join(10_000);
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " still runs after close");
                }
            }
        }
    }
}
