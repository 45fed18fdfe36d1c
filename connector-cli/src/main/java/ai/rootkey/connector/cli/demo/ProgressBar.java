package ai.rootkey.connector.cli.demo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on a terminal, or a plain progress line every few seconds when the
 * output is not a terminal (CI logs, pipes).
 */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private static final long PLAIN_EVERY_NANOS = 2_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private long lastPlain;
    private int lastLength;

    public ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    public void update(long done, long total, String detail) {
        String line = render(done, total, detail);
        if (terminal) {
            StringBuilder padded = new StringBuilder("\r").append(line);
            for (int i = line.length(); i < lastLength; i++) {
                padded.append(' ');
            }
            lastLength = line.length();
            out.print(padded);
            out.flush();
        } else {
            long now = System.nanoTime();
            if (lastPlain == 0 || now - lastPlain >= PLAIN_EVERY_NANOS) {
                lastPlain = now;
                out.println(line);
            }
        }
    }

    public void finish(long done, long total, String detail) {
        String line = render(done, total, detail);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())) + System.lineSeparator());
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String render(long done, long total, String detail) {
        double fraction = total == 0 ? 1 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%3d%% %d/%d", Math.round(fraction * 100), done, total)
                + (detail.isEmpty() ? "" : "  " + detail);
    }
}
