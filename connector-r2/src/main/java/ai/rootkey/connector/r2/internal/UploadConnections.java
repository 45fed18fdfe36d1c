package ai.rootkey.connector.r2.internal;

import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.http.impl.io.SocketHolder;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.ResponseOutOfOrderStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP/1.1 connections of the ROOTKey upload client (Apache HttpClient 5, classic I/O).
 *
 * <p>Three things differ from the library's own connections:
 * <ul>
 * <li>Header lines are written as UTF-8, so a header value goes as the exact UTF-8 bytes of its characters (what
 *     workerd does for the public Worker; see {@link HeaderValues}). The library's default writes each char's low
 *     byte, and {@code java.net.http} writes U+0080-U+00FF as {@code ?}. Reply header lines are read as UTF-8 with
 *     malformed bytes replaced, so a server's odd bytes cannot fail an exchange.</li>
 * <li>They never log: the library's connections write every request header, {@code x-api-key} included, to the
 *     {@code org.apache.hc.client5.http.headers} logger, and every byte to {@code org.apache.hc.client5.http.wire},
 *     at DEBUG. These write nothing anywhere, whatever the logging configuration.</li>
 * <li>An answer that arrives while the body is still being sent (the server refused the upload without reading it:
 *     a wrong key, a too-large body) stops the sending, and the exchange reads that answer instead of failing on a
 *     connection the server closed. See {@link EarlyAnswer}.</li>
 * </ul>
 */
public final class UploadConnections implements HttpConnectionFactory<ManagedHttpClientConnection> {
    /** How often, at most, a connection sending a body over TLS waits 1 ms to look for an early answer: 200 ms. */
    static final long EARLY_ANSWER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    @Override
    public ManagedHttpClientConnection createConnection(Socket socket) throws IOException {
        QuietConnection connection = new QuietConnection();
        if (socket != null) {
            connection.bind(socket);
        }
        return connection;
    }

    /** A connection that writes headers as UTF-8 and logs nothing. Used by one thread at a time (the pool's rule). */
    static final class QuietConnection extends DefaultBHttpClientConnection implements ManagedHttpClientConnection {
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile Timeout socketTimeout = Timeout.DISABLED;

        QuietConnection() {
            super(Http1Config.DEFAULT,
                    StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPLACE)
                            .onUnmappableCharacter(CodingErrorAction.REPLACE),
                    StandardCharsets.UTF_8.newEncoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT),
                    null, null, new EarlyAnswer(), null, null);
        }

        @Override
        public void bind(Socket socket) throws IOException {
            refuseWhenClosed(socket);
            super.bind(socket);
            socketTimeout = Timeout.ofMilliseconds(socket.getSoTimeout());
        }

        @Override
        public void bind(SSLSocket sslSocket, Socket socket) throws IOException {
            refuseWhenClosed(sslSocket);
            super.bind(sslSocket, socket);
            socketTimeout = Timeout.ofMilliseconds(sslSocket.getSoTimeout());
        }

        @Override
        public Socket getSocket() {
            SocketHolder holder = getSocketHolder();
            return holder == null ? null : holder.getSocket();
        }

        @Override
        public SSLSession getSSLSession() {
            Socket socket = getSocket();
            return socket instanceof SSLSocket ? ((SSLSocket) socket).getSession() : null;
        }

        @Override
        public void setSocketTimeout(Timeout timeout) {
            super.setSocketTimeout(timeout);
            socketTimeout = timeout;
        }

        /** Idle in the pool: no read timeout, as the library's own connections do. */
        @Override
        public void passivate() {
            super.setSocketTimeout(Timeout.ZERO_MILLISECONDS);
        }

        @Override
        public void activate() {
            super.setSocketTimeout(socketTimeout);
        }

        @Override
        public void close() throws IOException {
            if (closed.compareAndSet(false, true)) {
                super.close();
            }
        }

        @Override
        public void close(CloseMode closeMode) {
            if (closed.compareAndSet(false, true)) {
                super.close(closeMode);
            }
        }

        private void refuseWhenClosed(Socket socket) throws IOException {
            if (closed.get()) {
                socket.close();
                throw new InterruptedIOException("the connection was closed before it was bound");
            }
        }
    }

    /**
     * Looks for an answer that arrives while the body is still going out. Over plain TCP it asks the kernel
     * whether reply bytes are waiting ({@link InputStream#available()}, which never blocks) before each socket
     * write. Over TLS that counts only bytes already decrypted, so there, at most every 200 ms, it waits 1 ms for
     * reply bytes (so it notices an answer to a server that keeps reading, not one to a server that stopped: the
     * idle watchdog ends that one). The library's own monitoring strategy
     * waits 1 ms every 8 KiB, which would more than double the time of a large upload. One per connection.
     */
    static final class EarlyAnswer implements ResponseOutOfOrderStrategy {
        private long lastWaitNanos = System.nanoTime();

        @Override
        public boolean isEarlyResponseDetected(ClassicHttpRequest request, HttpClientConnection connection,
                                               InputStream socketIn, long totalBytesSent, long nextWriteSize)
                throws IOException {
            if (socketIn.available() > 0) {
                return true;
            }
            if (connection.getSSLSession() == null) {
                return false; // plain TCP: available() is the whole answer
            }
            long now = System.nanoTime();
            if (now - lastWaitNanos < EARLY_ANSWER_CHECK_NANOS) {
                return false;
            }
            lastWaitNanos = now;
            return connection.isDataAvailable(Timeout.ONE_MILLISECOND);
        }
    }
}
