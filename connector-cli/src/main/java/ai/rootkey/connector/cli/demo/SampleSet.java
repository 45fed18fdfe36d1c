package ai.rootkey.connector.cli.demo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A realistic set of documents for the demo: mixed sizes in nested folders, a unicode key, one object over the
 * (lowered) size limit, one that the demo's filter excludes, and one deleted before the connector reads it.
 */
public final class SampleSet {

    /** What the demo expects to happen to a sample. */
    public enum Expect {
        ANCHORED, OVERSIZE, FILTERED, DELETED_BEFORE_READ
    }

    /** Size distributions for the ordinary documents. */
    public enum SizeMix {
        /** 1 KiB to 64 KiB. */
        SMALL,
        /** Mostly 4 KiB to 512 KiB, about one in eight between 1 and 4 MiB. */
        MIXED,
        /** 1 MiB to 6 MiB. */
        LARGE
    }

    /**
     * One object of the sample set.
     *
     * @param key     the object key
     * @param content the bytes
     * @param sha256  hex SHA-256 of the bytes
     * @param expect  what should happen to it
     */
    public record Sample(String key, byte[] content, String sha256, Expect expect) {
    }

    /** The prefix of lock files that the demo's filter skips. */
    public static final String LOCK_FILE_PREFIX = "~$";

    private static final String[] FOLDERS = {
        "contracts/acme", "invoices/2026/11", "reports/2026/q3/board", "hr/onboarding", "scans/mailroom", "legal/ndas"};
    private static final String[] NAMES = {"agreement", "invoice", "summary", "statement", "scan", "minutes", "policy"};
    private static final String[] EXTENSIONS = {"pdf", "docx", "xlsx", "png", "csv", "pdf"};

    private SampleSet() {
    }

    /**
     * {@code files} ordinary documents plus the four special cases.
     *
     * @param maxFileSizeBytes the connector's limit; the oversize sample is 1 MiB above it
     */
    public static List<Sample> generate(int files, SizeMix mix, long maxFileSizeBytes, long seed) {
        if (files < 1) {
            throw new IllegalArgumentException("files must be at least 1, was " + files);
        }
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>(files + 4);
        samples.add(sample("relatórios/2026/Q3 résumé + notas 日本.pdf", size(mix, random), random, Expect.ANCHORED));
        for (int i = 1; i < files; i++) {
            String folder = FOLDERS[random.nextInt(FOLDERS.length)];
            String name = NAMES[random.nextInt(NAMES.length)];
            String extension = EXTENSIONS[random.nextInt(EXTENSIONS.length)];
            samples.add(sample(String.format("%s/%s-%04d.%s", folder, name, 1000 + i, extension), size(mix, random),
                    random, Expect.ANCHORED));
        }
        samples.add(sample("archive/raw-scan-full-resolution.tiff", maxFileSizeBytes + 1024 * 1024, random,
                Expect.OVERSIZE));
        samples.add(sample("reports/2026/q3/" + LOCK_FILE_PREFIX + "budget.xlsx", 162, random, Expect.FILTERED));
        samples.add(sample("tmp/upload-7731.part", 20_000, random, Expect.DELETED_BEFORE_READ));
        return List.copyOf(samples);
    }

    private static int size(SizeMix mix, Random random) {
        switch (mix) {
            case SMALL:
                return 1024 + random.nextInt(63 * 1024);
            case LARGE:
                return 1024 * 1024 + random.nextInt(5 * 1024 * 1024);
            default:
                return random.nextInt(8) == 0 ? 1024 * 1024 + random.nextInt(3 * 1024 * 1024)
                        : 4 * 1024 + random.nextInt(508 * 1024);
        }
    }

    private static Sample sample(String key, long size, Random random, Expect expect) {
        byte[] content = new byte[Math.toIntExact(size)];
        random.nextBytes(content);
        return new Sample(key, content, sha256(content), expect);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
