package ai.rootkey.connector.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on 127.0.0.1 that records every byte clients send through it to one server: what went on the wire,
 * headers and bodies, exactly as sent (the fakes and S3Proxy only show what their parsers made of it). Point a
 * client at {@link #uri()} instead of the server. Thread-safe; {@link #close()} cuts every connection.
 */
final class WireTap implements AutoCloseable {
    /** One HTTP/1.1 request as sent: the header block (request line included) and the body. */
    record Request(String head, byte[] body) {
        /** The header lines after the request line. */
        List<String> headerLines() {
            String[] lines = head.split("\r\n", -1);
            List<String> out = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                if (!lines[i].isEmpty()) {
                    out.add(lines[i]);
                }
            }
            return out;
        }
    }

    private static final int MAX_RECORDED_BYTES = 64 * 1024 * 1024;

    private final URI target;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<ByteArrayOutputStream> connections = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private WireTap(URI target) throws IOException {
        this.target = target;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::accept, "wire-tap-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A tap in front of the server of {@code target} (scheme http, host and port are used). */
    static WireTap to(URI target) {
        try {
            return new WireTap(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code target} with the tap's host and port: the URL to give the client. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + (target.getRawPath() == null ? ""
                : target.getRawPath()));
    }

    /** Everything sent through the tap so far, connection after connection. */
    byte[] sent() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteArrayOutputStream c : connections) {
            synchronized (c) {
                all.writeBytes(c.toByteArray());
            }
        }
        return all.toByteArray();
    }

    /** {@link #sent()} as ISO-8859-1 text (one char per byte), for searching. */
    String sentText() {
        return new String(sent(), StandardCharsets.ISO_8859_1);
    }

    /** The HTTP/1.1 requests sent so far, parsed by their framing (Content-Length or chunked). */
    List<Request> requests() {
        List<Request> out = new ArrayList<>();
        for (ByteArrayOutputStream c : connections) {
            byte[] bytes;
            synchronized (c) {
                bytes = c.toByteArray();
            }
            parse(bytes, out);
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            try {
                Socket upstream = new Socket(target.getHost(), target.getPort());
                sockets.add(client);
                sockets.add(upstream);
                ByteArrayOutputStream record = new ByteArrayOutputStream();
                connections.add(record);
                pump(client.getInputStream(), upstream.getOutputStream(), record, client, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), null, upstream, client);
            } catch (IOException e) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // the client sees the connection drop
                }
            }
        }
    }

    private void pump(InputStream in, OutputStream out, ByteArrayOutputStream record, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (record != null) {
                        synchronized (record) {
                            if (record.size() < MAX_RECORDED_BYTES) {
                                record.write(buffer, 0, n);
                            }
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // both ends go
                }
            }
        }, "wire-tap-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void parse(byte[] bytes, List<Request> out) {
        int at = 0;
        while (at < bytes.length) {
            int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), at);
            if (end < 0) {
                out.add(new Request(new String(bytes, at, bytes.length - at, StandardCharsets.ISO_8859_1), new byte[0]));
                return;
            }
            String head = new String(bytes, at, end - at, StandardCharsets.ISO_8859_1);
            at = end + 4;
            long length = 0;
            boolean chunked = false;
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(line.substring("content-length:".length()).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                while (at < bytes.length) {
                    int lineEnd = indexOf(bytes, "\r\n".getBytes(StandardCharsets.US_ASCII), at);
                    String size = new String(bytes, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
                    int n = Integer.parseInt(size, 16);
                    at = lineEnd + 2;
                    body.write(bytes, at, Math.min(n, bytes.length - at));
                    at += n + 2;
                    if (n == 0) {
                        break;
                    }
                }
            } else {
                int n = (int) Math.min(length, bytes.length - at);
                body.write(bytes, at, n);
                at += n;
            }
            out.add(new Request(head, body.toByteArray()));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
