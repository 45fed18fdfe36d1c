package ai.rootkey.connector.r2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A raw HTTP/1.1 server on 127.0.0.1 and a free port that answers every request with a script, for the timing
 * behaviour a well-behaved fake cannot show: an answer that never comes, a body that stalls or arrives late. Each
 * connection runs on its own daemon thread; after the script, the server waits until the client closes the
 * connection and completes {@link #peerClosed()}.
 */
final class ScriptedHttpServer implements AutoCloseable {
    /** What the server does after reading a request head. */
    interface Script {
        void respond(OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket serverSocket;
    private final Script script;
    private final CompletableFuture<Void> peerClosed = new CompletableFuture<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ScriptedHttpServer(Script script) throws IOException {
        this.script = script;
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::acceptLoop, "scripted-http-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + serverSocket.getLocalPort());
    }

    /** Completes when a client closed (or reset) a connection the script had answered. */
    CompletableFuture<Void> peerClosed() {
        return peerClosed;
    }

    /** A 200 head for a body of {@code length} bytes. */
    static byte[] head(long length) {
        return ("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\nETag: \"0123456789abcdef0123456789abcdef\"\r\n"
                + "Content-Type: application/octet-stream\r\nLast-Modified: Wed, 01 May 2024 10:00:00 GMT\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                sockets.add(socket);
                Thread handler = new Thread(() -> handle(socket), "scripted-http-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            readHead(in);
            OutputStream out = socket.getOutputStream();
            script.respond(out);
            out.flush();
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // the client sends nothing more; wait for it to close
            }
            peerClosed.complete(null);
        } catch (IOException e) {
            peerClosed.complete(null); // reset by the client: closed too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the request head ended");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
