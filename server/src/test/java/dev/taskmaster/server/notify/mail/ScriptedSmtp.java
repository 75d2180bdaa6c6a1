package dev.taskmaster.server.notify.mail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An SMTP server that answers from a script, for the answers GreenMail never gives (a refused
 * recipient, a "try later" greeting, a server that never speaks). One connection at a time.
 *
 * <p>Threading: one serving thread; {@link #close} closes its sockets and waits for it.
 */
final class ScriptedSmtp implements AutoCloseable {

    private final ServerSocket listener;
    private final Thread thread;
    private final List<Socket> clients = new CopyOnWriteArrayList<>();

    /**
     * @param greeting the first line, or null to accept and never say anything
     * @param answers  the reply to each command line (without CRLF); DATA is answered "354", its text read up to
     *                 the line "." and that line answered as a command
     */
    ScriptedSmtp(String greeting, Function<String, String> answers) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> serve(greeting, answers), "scripted-smtp-" + listener.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void serve(String greeting, Function<String, String> answers) {
        while (!listener.isClosed()) {
            try (Socket client = listener.accept()) {
                clients.add(client);
                if (greeting == null) {
                    client.getInputStream().read(); // silent until the client gives up or the test ends
                    continue;
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = client.getOutputStream();
                send(out, greeting);
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.equalsIgnoreCase("DATA")) {
                        send(out, "354 go ahead");
                        for (String data = in.readLine(); data != null && !data.equals("."); data = in.readLine()) {
                            // the message: not kept
                        }
                        send(out, answers.apply("."));
                    } else if (line.equalsIgnoreCase("QUIT")) {
                        send(out, "221 bye");
                        break;
                    } else {
                        send(out, answers.apply(line));
                    }
                }
            } catch (IOException e) {
                // the client left, or the listener closed
            }
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        for (Socket c : clients) {
            c.close();
        }
        thread.join(10_000);
        if (thread.isAlive()) {
            throw new AssertionError(thread.getName() + " still runs after close");
        }
    }
}
