package ai.rootkey.connector.testkit.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** MD5 and SHA-256 helpers for the fakes. */
public final class Digests {
    private Digests() {
    }

    public static byte[] md5(byte[] content) {
        return digest("MD5").digest(content);
    }

    public static String md5Hex(byte[] content) {
        return HexFormat.of().formatHex(md5(content));
    }

    public static String sha256Hex(byte[] content) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(content));
    }

    public static MessageDigest sha256() {
        return digest("SHA-256");
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }
}
