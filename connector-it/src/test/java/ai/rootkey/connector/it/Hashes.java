package ai.rootkey.connector.it;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Lowercase hex digests for the integration tests' expectations (the test kit's own helpers are internal). */
public final class Hashes {
    private Hashes() {
    }

    /** The SHA-256 of {@code content}, as the ROOTKey API and the fakes report it. */
    public static String sha256Hex(byte[] content) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(content));
    }

    /** The MD5 of {@code content}: R2's ETag of a single put. */
    public static String md5Hex(byte[] content) {
        return HexFormat.of().formatHex(digest("MD5").digest(content));
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }
}
