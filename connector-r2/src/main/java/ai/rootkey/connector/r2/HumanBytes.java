package ai.rootkey.connector.r2;

import java.util.Locale;

/** Byte counts for people, in binary units: {@code 812 B}, {@code 1.5 MiB}, {@code 500 MiB}. */
final class HumanBytes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private HumanBytes() {
    }

    /** One decimal below 100 of a unit ({@code 5.0 GiB}, {@code 8.5 MiB}), none from 100 on ({@code 500 MiB}). */
    static String format(long bytes) {
        return format(bytes, false);
    }

    /** Like {@link #format(long)}, but whole values go without the decimal: {@code 5 GiB}, {@code 8.5 MiB}. */
    static String formatTrimmed(long bytes) {
        return format(bytes, true);
    }

    private static String format(long bytes, boolean trimWhole) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        boolean whole = value >= 100 || trimWhole && value == Math.rint(value);
        return String.format(Locale.ROOT, whole ? "%.0f %s" : "%.1f %s", value, UNITS[unit]);
    }
}
