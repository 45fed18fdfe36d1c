package ai.rootkey.connector.cli.demo;

import java.util.Locale;

/** Human-readable figures. */
public final class Format {
    private Format() {
    }

    /** {@code 1.5 MiB}, {@code 812 B}. */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
