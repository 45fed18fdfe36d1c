package ai.rootkey.connector.r2;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP/1.1 server on 127.0.0.1 and a free port that records the raw bytes of every request it reads: the head
 * exactly as it arrived (no parser between the wire and the test) and the body. Plain TCP, TLS (offering HTTP/2 and
 * HTTP/1.1 by ALPN, preferring HTTP/2, as most HTTPS servers do), or a proxy that accepts {@code CONNECT} and then
 * speaks TLS inside the tunnel. Each connection runs on its own daemon thread; keep-alive is honoured.
 */
final class RawHttpServer implements AutoCloseable {
    /** What the server does with a connection. */
    enum Behaviour {
        /** Reads each request whole and answers 201 with a small JSON body. */
        ANSWER,
        /** Accepts the connection (and completes the TLS handshake), then never reads: it stopped taking the upload. */
        NEVER_READ,
        /** Accepts the connection and never reads from it, not even a TLS handshake. */
        SILENT,
        /** Reads the request head, answers 401 at once, then neither reads nor closes: a refusal without reading. */
        ANSWER_WITHOUT_READING,
        /** Reads the request head, answers 401 at once, then reads and discards the body (a lingering close). */
        ANSWER_EARLY_THEN_DRAIN,
        /** Reads each request whole and answers 201 only once {@link #holdUntil} requests have arrived. */
        ANSWER_WHEN_ALL_ARRIVED
    }

    /** The 201 answer's body. */
    static final String REPLY = "{\"id\":\"f-1\"}";
    /** The 401 answer's body in {@link Behaviour#ANSWER_WITHOUT_READING}. */
    static final String REFUSAL = "{\"error\":\"unauthorized\"}";

    /**
     * One request as read.
     *
     * @param head        the request line and header lines, each with its CRLF, without the blank line
     * @param body        the body ({@code Content-Length} bytes)
     * @param offeredAlpn the protocols the client offered by ALPN; empty when it sent no ALPN extension (or no TLS)
     * @param negotiated  the ALPN protocol chosen, empty when none
     * @param connectLine the {@code CONNECT} line that opened the tunnel, when through the proxy
     */
    record Request(byte[] head, byte[] body, Optional<List<String>> offeredAlpn, String negotiated,
                   Optional<String> connectLine) {
        /** The request line, e.g. {@code POST /x HTTP/1.1}. */
        String requestLine() {
            return lines().get(0);
        }

        /** The raw bytes of the values of header {@code name} (any case), in order. */
        List<byte[]> headerBytes(String name) {
            List<byte[]> values = new ArrayList<>();
            byte[] prefix = (name.toLowerCase(Locale.ROOT) + ":").getBytes(StandardCharsets.US_ASCII);
            for (byte[] line : rawLines()) {
                if (line.length >= prefix.length && new String(line, 0, prefix.length, StandardCharsets.ISO_8859_1)
                        .toLowerCase(Locale.ROOT).equals(new String(prefix, StandardCharsets.ISO_8859_1))) {
                    int start = prefix.length;
                    while (start < line.length && (line[start] == ' ' || line[start] == '\t')) {
                        start++;
                    }
                    values.add(Arrays.copyOfRange(line, start, line.length));
                }
            }
            return values;
        }

        /** The raw bytes of the only value of header {@code name}, or empty. */
        Optional<byte[]> header(String name) {
            List<byte[]> values = headerBytes(name);
            if (values.size() > 1) {
                throw new AssertionError(name + " sent " + values.size() + " times");
            }
            return values.stream().findFirst();
        }

        /** The head's lines as ISO-8859-1 text (one char per byte). */
        List<String> lines() {
            return rawLines().stream().map(l -> new String(l, StandardCharsets.ISO_8859_1)).toList();
        }

        private List<byte[]> rawLines() {
            List<byte[]> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i + 1 < head.length; i++) {
                if (head[i] == '\r' && head[i + 1] == '\n') {
                    lines.add(Arrays.copyOfRange(head, start, i));
                    start = i + 2;
                    i++;
                }
            }
            return lines;
        }
    }

    private final ServerSocket serverSocket;
    private final Behaviour behaviour;
    private final SSLContext tunnelTls;
    private final String scheme;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object arrivals = new Object();
    private volatile int holdUntil = Integer.MAX_VALUE;

    private RawHttpServer(ServerSocket serverSocket, Behaviour behaviour, SSLContext tunnelTls, String scheme) {
        this.serverSocket = serverSocket;
        this.behaviour = behaviour;
        this.tunnelTls = tunnelTls;
        this.scheme = scheme;
        Thread acceptor = new Thread(this::acceptLoop, "raw-http-accept-" + serverSocket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A plain-TCP server. */
    static RawHttpServer plain(Behaviour behaviour) throws IOException {
        return new RawHttpServer(new ServerSocket(0, 128, loopback()), behaviour, null, "http");
    }

    /** A TLS server with the key of {@code tls}, offering {@code h2} and {@code http/1.1} by ALPN. */
    static RawHttpServer tls(SSLContext tls, Behaviour behaviour) throws IOException {
        SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 128, loopback());
        return new RawHttpServer(server, behaviour, null, "https");
    }

    /** A proxy that accepts {@code CONNECT} to any host, then answers inside the tunnel as {@link #tls} would. */
    static RawHttpServer connectProxy(SSLContext tls) throws IOException {
        return new RawHttpServer(new ServerSocket(0, 128, loopback()), Behaviour.ANSWER, tls, "http");
    }

    /** {@code http(s)://127.0.0.1:PORT}. */
    URI uri() {
        return URI.create(scheme + "://127.0.0.1:" + serverSocket.getLocalPort());
    }

    InetSocketAddress address() {
        return new InetSocketAddress(loopback(), serverSocket.getLocalPort());
    }

    /** For {@link Behaviour#ANSWER_WHEN_ALL_ARRIVED}: answer once this many requests were read. */
    void holdUntil(int count) {
        holdUntil = count;
    }

    /** The requests read so far. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Connections accepted so far. */
    int connections() {
        return sockets.size();
    }

    /** Waits until {@code count} requests were read. */
    List<Request> awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (arrivals) {
            while (requests.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " requests within " + timeout + ", got "
                            + requests.size());
                }
                TimeUnit.NANOSECONDS.timedWait(arrivals, left);
            }
        }
        return requests();
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        synchronized (arrivals) {
            arrivals.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                Socket socket = serverSocket.accept();
                sockets.add(socket);
                Thread handler = new Thread(() -> handle(socket), "raw-http-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket accepted) {
        try (accepted) {
            if (behaviour == Behaviour.SILENT) {
                holdOpen();
                return;
            }
            Socket socket = accepted;
            Optional<String> connectLine = Optional.empty();
            AtomicReference<List<String>> offered = new AtomicReference<>();
            if (tunnelTls != null) {
                byte[] connect = readHead(socket.getInputStream());
                connectLine = Optional.of(new String(connect, StandardCharsets.ISO_8859_1).split("\r\n")[0]);
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                SSLSocket tls = (SSLSocket) tunnelTls.getSocketFactory().createSocket(socket, "127.0.0.1",
                        socket.getPort(), true);
                tls.setUseClientMode(false);
                socket = tls;
            }
            String negotiated = "";
            if (socket instanceof SSLSocket) {
                SSLSocket tls = (SSLSocket) socket;
                tls.setHandshakeApplicationProtocolSelector((s, protocols) -> {
                    offered.set(List.copyOf(protocols));
                    return protocols.contains("h2") ? "h2" : protocols.contains("http/1.1") ? "http/1.1" : "";
                });
                tls.startHandshake();
                negotiated = tls.getApplicationProtocol() == null ? "" : tls.getApplicationProtocol();
            }
            if (behaviour == Behaviour.NEVER_READ) {
                holdOpen();
                return;
            }
            serve(socket, Optional.ofNullable(offered.get()), negotiated, connectLine);
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Socket socket, Optional<List<String>> offered, String negotiated, Optional<String> connectLine)
            throws IOException, InterruptedException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        while (true) {
            byte[] head;
            try {
                head = readHead(in);
            } catch (IOException endOfConnection) {
                return;
            }
            long length = contentLength(head);
            if (behaviour == Behaviour.ANSWER_WITHOUT_READING || behaviour == Behaviour.ANSWER_EARLY_THEN_DRAIN) {
                record(new Request(head, new byte[0], offered, negotiated, connectLine));
                respond(out, "401 Unauthorized", REFUSAL);
                if (behaviour == Behaviour.ANSWER_EARLY_THEN_DRAIN) {
                    in.transferTo(OutputStream.nullOutputStream()); // until the client closes
                    return;
                }
                holdOpen();
                return;
            }
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                return;
            }
            record(new Request(head, body, offered, negotiated, connectLine));
            if (behaviour == Behaviour.ANSWER_WHEN_ALL_ARRIVED) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                synchronized (arrivals) {
                    while (requests.size() < holdUntil && System.nanoTime() < deadline && !serverSocket.isClosed()) {
                        arrivals.wait(100);
                    }
                }
            }
            respond(out, "201 Created", REPLY);
        }
    }

    /** Keeps the connection open, reading nothing, until the server closes. */
    private void holdOpen() throws InterruptedException {
        synchronized (arrivals) {
            while (!serverSocket.isClosed()) {
                arrivals.wait(1000);
            }
        }
    }

    private void record(Request request) {
        synchronized (arrivals) {
            requests.add(request);
            arrivals.notifyAll();
        }
    }

    private static void respond(OutputStream out, String status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    private static long contentLength(byte[] head) {
        for (String line : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    /** The head up to and including the CRLF of its last header line; the blank line is read, not kept. */
    private static byte[] readHead(InputStream in) throws IOException {
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
        byte[] bytes = head.toByteArray();
        return Arrays.copyOf(bytes, bytes.length - 2);
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
