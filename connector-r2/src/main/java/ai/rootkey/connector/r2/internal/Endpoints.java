package ai.rootkey.connector.r2.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one rule for every endpoint the SDK talks to: https always; plain http only to a loopback address, and only
 * when the user turned on the insecure-loopback switch ({@code ROOTKEY_ALLOW_INSECURE_LOOPBACK=true}).
 */
public final class Endpoints {
    private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

    private Endpoints() {
    }

    /**
     * Returns {@code uri} when it is an absolute https URL with a host, or an http URL to a loopback host while
     * {@code allowInsecureLoopback} is on.
     *
     * @param settingName the name the user knows the setting by, used in the message
     * @throws IllegalArgumentException naming the setting and saying what to change
     */
    public static URI requireHttpsOrLoopback(URI uri, boolean allowInsecureLoopback, String settingName) {
        Objects.requireNonNull(uri, settingName);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null
                || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException(settingName + " must be an absolute http(s) URL with a host (got "
                    + describe(uri) + ")");
        }
        if (scheme.equals("https")) {
            return uri;
        }
        if (!isLoopback(uri)) {
            throw new IllegalArgumentException(settingName + " must be https (got " + describe(uri)
                    + "); plain http is only allowed to a loopback host (localhost, 127.0.0.1, ::1) with "
                    + "ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
        }
        if (!allowInsecureLoopback) {
            throw new IllegalArgumentException(settingName + " must be https (got " + describe(uri)
                    + "); set ROOTKEY_ALLOW_INSECURE_LOOPBACK=true (allowInsecureLoopback(true) in code) only for a "
                    + "local stand-in on 127.0.0.1");
        }
        return uri;
    }

    /**
     * True when the URI's host is {@code localhost}, an IPv4 literal in 127.0.0.0/8, or the IPv6 loopback literal.
     * Never resolves a name: any other host name is not loopback.
     */
    public static boolean isLoopback(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.equals("localhost") || host.equals("localhost.")) {
            return true;
        }
        var ipv4 = IPV4.matcher(host);
        if (ipv4.matches()) {
            for (int group = 1; group <= 4; group++) {
                if (Integer.parseInt(ipv4.group(group)) > 255) {
                    return false;
                }
            }
            return Integer.parseInt(ipv4.group(1)) == 127;
        }
        if (host.startsWith("[") && host.endsWith("]") && host.indexOf('%') < 0) {
            try {
                // An IPv6 literal (it contains ':'), so this parses it and does no lookup.
                return InetAddress.getByName(host.substring(1, host.length() - 1)).isLoopbackAddress();
            } catch (UnknownHostException | IllegalArgumentException e) {
                return false;
            }
        }
        return false;
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
