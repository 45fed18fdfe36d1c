package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one place for the endpoint rule of DESIGN section 6.5: every endpoint is https, except plain http to a
 * loopback host when insecure loopback is explicitly allowed (for local stand-ins and tests).
 */
public final class Endpoints {
    private static final Pattern IPV4_LOOPBACK =
            Pattern.compile("^127\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){2}$");

    private Endpoints() {
    }

    /**
     * Checks an endpoint URL and returns it without a trailing slash.
     *
     * @param uri                   the endpoint, absolute, {@code https} (or {@code http} to loopback, see below)
     * @param allowInsecureLoopback whether plain {@code http} is allowed to {@code localhost}, {@code 127.0.0.0/8}
     *                              or {@code ::1}; never to any other host
     * @param settingName           the setting the URL came from, named in the error (e.g. {@code baseUrl} or
     *                              {@code CLOUDFLARE_API_BASE_URL})
     * @throws ConfigurationException when the URL breaks the rule; the message says how to fix it and never
     *                                contains the URL's user info
     */
    public static URI requireHttpsOrLoopback(URI uri, boolean allowInsecureLoopback, String settingName) {
        Objects.requireNonNull(uri, settingName);
        Objects.requireNonNull(settingName, "settingName");
        String shown = describe(uri);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ConfigurationException(settingName + " must be an absolute https URL with a host, was " + shown);
        }
        if (uri.getRawUserInfo() != null) {
            throw new ConfigurationException(settingName + " must not contain user info (credentials), was " + shown);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigurationException(settingName + " must not have a query or fragment, was " + shown);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("http")) {
            if (!isLoopback(uri.getHost())) {
                throw new ConfigurationException(settingName + " must use https, was " + shown
                        + "; plain http is only allowed to a loopback host (localhost, 127.0.0.0/8, ::1)");
            }
            if (!allowInsecureLoopback) {
                throw new ConfigurationException(settingName + " uses plain http (" + shown + "): allow it explicitly "
                        + "for a local stand-in (ROOTKEY_ALLOW_INSECURE_LOOPBACK=true, or the builder's "
                        + "allowInsecureLoopbackForTesting(true)), or use https");
            }
        } else if (!scheme.equals("https")) {
            throw new ConfigurationException(settingName + " must use https, was " + shown);
        }
        String text = uri.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    /**
     * Whether {@code host} (as {@link URI#getHost()} gives it) names the loopback interface: {@code localhost},
     * an IPv4 literal in {@code 127.0.0.0/8}, or the IPv6 literal {@code ::1}. Never resolves a name.
     */
    public static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.equals("localhost.")) {
            return true;
        }
        if (IPV4_LOOPBACK.matcher(h).matches()) {
            return true;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!h.contains(":") || !h.matches("[0-9a-f:.]+")) {
            return false; // not an IPv6 literal: never resolved
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * {@code value} as one URL path segment: UTF-8, every byte that is not an RFC 3986 unreserved character
     * percent-encoded (so {@code /}, {@code ?} and {@code #} can never change the path).
     */
    public static String pathSegment(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String describe(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri.toString();
        }
        return uri.getScheme() + "://<redacted>@" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
