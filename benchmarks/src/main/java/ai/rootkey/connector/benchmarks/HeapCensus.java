package ai.rootkey.connector.benchmarks;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Live heap by owner, after a full GC, from the JVM's class histogram ({@code jcmd GC.class_histogram}): what the
 * connector's classes, the HTTP client libraries and the test fakes retain. Used to show that nothing grows with
 * the number of objects processed.
 */
final class HeapCensus {
    private HeapCensus() {
    }

    /** Bytes of live objects per group: connector, http-clients, fakes, total. */
    static Map<String, Long> take() {
        String histogram;
        try {
            histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            throw new IllegalStateException("no class histogram from this JVM", e);
        }
        Map<String, Long> groups = new LinkedHashMap<>();
        groups.put("connector", 0L);
        groups.put("http-clients", 0L);
        groups.put("fakes", 0L);
        groups.put("total", 0L);
        for (String line : histogram.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[0].endsWith(":")) {
                continue;
            }
            long bytes = Long.parseLong(f[2]);
            String type = f[3];
            groups.merge("total", bytes, Long::sum);
            String group = group(type);
            if (group != null) {
                groups.merge(group, bytes, Long::sum);
            }
        }
        return groups;
    }

    private static String group(String type) {
        if (type.startsWith("ai.rootkey.connector.testkit.") || type.startsWith("ai.rootkey.connector.local.")) {
            return "fakes";
        }
        if (type.startsWith("ai.rootkey.connector.") && !type.startsWith("ai.rootkey.connector.benchmarks.")) {
            return "connector";
        }
        if (type.startsWith("jdk.internal.net.http.") || type.startsWith("software.amazon.")
                || type.startsWith("org.apache.hc.")) {
            return "http-clients";
        }
        return null;
    }
}
