package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * The https rule for every endpoint (DESIGN section 6.5): https always; plain http only to a loopback host
 * ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) and only with the insecure-loopback switch on. Host names
 * other than {@code localhost} are never resolved: only IP literals and {@code localhost} count as loopback.
 */
public final class SecureEndpoints {
    /** The environment switch that allows plain http to loopback hosts. */
    public static final String INSECURE_LOOPBACK_VARIABLE = "ROOTKEY_ALLOW_INSECURE_LOOPBACK";

    private SecureEndpoints() {
    }

    /**
     * Returns {@code uri} when it may be used.
     *
     * @param setting     the setting's name for the message, e.g. {@code "apiUrl (ROOTKEY_API_URL)"}
     * @param switchName  how the user turns the insecure-loopback switch on, for the message
     * @throws ConfigurationException saying what to fix, when the URI is not absolute http(s) with a host, carries
     *                                user info, or breaks the https rule
     */
    public static URI require(URI uri, boolean allowInsecureLoopback, String setting, String switchName) {
        Objects.requireNonNull(uri, "uri");
        if (uri.getRawUserInfo() != null) {
            throw new ConfigurationException(setting + " must not contain user info (credentials): remove the "
                    + "'user@' part");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new ConfigurationException(setting + " must be an absolute https URL such as "
                    + "https://api.rootkey.ai, was " + uri);
        }
        if (scheme.equals("https")) {
            return uri;
        }
        if (!allowInsecureLoopback) {
            throw new ConfigurationException(setting + " must use https, was " + uri + ": use an https URL. "
                    + "Plain http is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1), for local "
                    + "stand-ins and tests, with " + switchName);
        }
        if (!isLoopbackHost(uri.getHost())) {
            throw new ConfigurationException(setting + " must use https, was " + uri + ": " + uri.getHost()
                    + " is not a loopback host, and plain http is allowed only to localhost, 127.0.0.0/8 or ::1 "
                    + "even with " + switchName);
        }
        return uri;
    }

    /** True for {@code localhost} and for IP literals in {@code 127.0.0.0/8} or {@code ::1}; no DNS lookups. */
    public static boolean isLoopbackHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (h.indexOf(':') >= 0) {
            // An IPv6 literal: in brackets InetAddress parses it without a lookup (and rejects a malformed one).
            try {
                return InetAddress.getByName("[" + h + "]").isLoopbackAddress();
            } catch (UnknownHostException malformed) {
                return false;
            }
        }
        return isIpv4Loopback(h);
    }

    private static boolean isIpv4Loopback(String h) {
        String[] octets = h.split("\\.", -1);
        if (octets.length != 4) {
            return false;
        }
        for (String octet : octets) {
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return Integer.parseInt(octets[0]) == 127;
    }
}
