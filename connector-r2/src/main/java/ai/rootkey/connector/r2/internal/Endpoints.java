package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.ConfigurationException;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one rule for every endpoint the SDK talks to (DESIGN section 6.5): https always; plain http only to a
 * loopback host, and only when the insecure-loopback switch is on ({@code ROOTKEY_ALLOW_INSECURE_LOOPBACK=true},
 * or a builder's {@code allowInsecureLoopbackForTesting(true)}). Host names other than {@code localhost} are never
 * resolved: only IP literals and {@code localhost} count as loopback.
 */
public final class Endpoints {
    /** The environment switch that allows plain http to loopback hosts. */
    public static final String INSECURE_LOOPBACK_VARIABLE = "ROOTKEY_ALLOW_INSECURE_LOOPBACK";

    private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

    private Endpoints() {
    }

    /**
     * Checks an endpoint URL and returns it without trailing slashes.
     *
     * @param settingName the name the user knows the setting by (e.g. {@code ROOTKEY_API_URL} or {@code apiUrl}),
     *                    used in the message
     * @throws ConfigurationException naming the setting and saying what to change; the message never shows user
     *                                info, a query or a fragment, which may carry credentials
     */
    public static URI requireHttpsOrLoopback(URI uri, boolean allowInsecureLoopback, String settingName) {
        Objects.requireNonNull(settingName, "settingName");
        Objects.requireNonNull(uri, settingName);
        if (uri.getRawUserInfo() != null) {
            throw new ConfigurationException(settingName + " must not contain user info (credentials): remove the "
                    + "'user@' part");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()
                || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new ConfigurationException(settingName + " must be an absolute https URL with a host (got "
                    + describe(uri) + ")");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigurationException(settingName + " must not have a query or fragment (got "
                    + describe(uri) + ")");
        }
        if (scheme.equals("http")) {
            if (!isLoopback(uri)) {
                throw new ConfigurationException(settingName + " must be https (got " + describe(uri)
                        + "); plain http is only allowed to a loopback host (localhost, 127.0.0.1, ::1) with "
                        + INSECURE_LOOPBACK_VARIABLE + "=true");
            }
            if (!allowInsecureLoopback) {
                throw new ConfigurationException(settingName + " must be https (got " + describe(uri) + "); set "
                        + INSECURE_LOOPBACK_VARIABLE + "=true (allowInsecureLoopbackForTesting(true) in code) only "
                        + "for a local stand-in on 127.0.0.1");
            }
        }
        String text = uri.toString();
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '/') {
            end--;
        }
        return end == text.length() ? uri : URI.create(text.substring(0, end));
    }

    /**
     * Checks a user-supplied {@link HttpClient}: it must never follow redirects. When the JDK client follows one it
     * sends every header of the request again, to whatever host the {@code Location} names (with
     * {@link HttpClient.Redirect#ALWAYS} even over plain http), so a redirect would hand the API key or token to a
     * third party, and that party's answer would pass for the API's. The clients the SDK builds never follow
     * redirects.
     *
     * @param what the setting, for the message (e.g. {@code httpClient})
     * @throws IllegalArgumentException naming the fix, when the client follows redirects
     */
    public static HttpClient requireNoRedirects(HttpClient client, String what) {
        Objects.requireNonNull(client, what);
        if (client.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException(what + " follows redirects (" + client.followRedirects() + "): a "
                    + "redirect would carry the credentials in its headers to another host; build it with "
                    + "followRedirects(HttpClient.Redirect.NEVER)");
        }
        return client;
    }

    /** True when the URI's host is loopback; see {@link #isLoopback(String)}. */
    public static boolean isLoopback(URI uri) {
        Objects.requireNonNull(uri, "uri");
        return isLoopback(uri.getHost());
    }

    /**
     * True when {@code host} (as {@link URI#getHost()} gives it) is {@code localhost}, an IPv4 literal in
     * 127.0.0.0/8, or the IPv6 loopback literal. Never resolves a name.
     */
    public static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.equals("localhost.")) {
            return true;
        }
        var ipv4 = IPV4.matcher(h);
        if (ipv4.matches()) {
            for (int group = 1; group <= 4; group++) {
                if (Integer.parseInt(ipv4.group(group)) > 255) {
                    return false;
                }
            }
            return Integer.parseInt(ipv4.group(1)) == 127;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!h.contains(":") || !h.matches("[0-9a-f:.]+")) {
            return false; // not an IPv6 literal: never resolved
        }
        try {
            return InetAddress.getByName("[" + h + "]").isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException | IllegalArgumentException e) {
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

    /** The URI for a message: without user info, query or fragment, which may carry credentials. */
    private static String describe(URI uri) {
        if (uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null) {
            return uri.toString();
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            return "(a URL with credentials, not shown)";
        }
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
