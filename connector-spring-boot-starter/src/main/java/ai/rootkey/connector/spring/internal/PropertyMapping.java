package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.spring.RootkeyConnectorProperties;
import org.springframework.util.unit.DataSize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one table from {@code R2ConnectorConfig}'s environment variables to {@code rootkey.connector.*} properties.
 * A new configuration setting is one field in {@link RootkeyConnectorProperties} and one line in {@link #SETTINGS};
 * validation ({@code R2ConnectorConfig.fromEnvironment}), the names in error messages and the masking of secrets in
 * Actuator follow from the table.
 */
public final class PropertyMapping {

    /**
     * One configuration setting.
     *
     * @param variable the environment variable {@code R2ConnectorConfig.fromEnvironment} reads
     * @param property the property, without the {@code rootkey.connector.} prefix
     * @param secret   whether the value is a credential (masked by Actuator)
     * @param value    reads the property's value as the variable's text, null when unset
     */
    public record Setting(String variable, String property, boolean secret,
                          Function<RootkeyConnectorProperties, String> value) {

        /** The full property name, {@code rootkey.connector.} included. */
        public String propertyName() {
            return RootkeyConnectorProperties.PREFIX + "." + property;
        }
    }

    /** Every setting of {@code R2ConnectorConfig}, in the order of the README's table. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("CLOUDFLARE_ACCOUNT_ID", "cloudflare.account-id", false, p -> p.getCloudflare().getAccountId()),
            new Setting("CLOUDFLARE_API_TOKEN", "cloudflare.api-token", true, p -> p.getCloudflare().getApiToken()),
            new Setting("CLOUDFLARE_API_BASE_URL", "cloudflare.api-base-url", false,
                    p -> p.getCloudflare().getApiBaseUrl()),
            new Setting("R2_QUEUE_ID", "r2.queue-id", false, p -> p.getR2().getQueueId()),
            new Setting("R2_DLQ_ID", "r2.dlq-id", false, p -> p.getR2().getDlqId()),
            new Setting("R2_BUCKET", "r2.bucket", false, p -> p.getR2().getBucket()),
            new Setting("R2_ACCESS_KEY_ID", "r2.access-key-id", false, p -> p.getR2().getAccessKeyId()),
            new Setting("R2_SECRET_ACCESS_KEY", "r2.secret-access-key", true, p -> p.getR2().getSecretAccessKey()),
            new Setting("R2_SESSION_TOKEN", "r2.session-token", true, p -> p.getR2().getSessionToken()),
            new Setting("R2_JURISDICTION", "r2.jurisdiction", false, p -> p.getR2().getJurisdiction()),
            new Setting("R2_ENDPOINT", "r2.endpoint", false, p -> p.getR2().getEndpoint()),
            new Setting("R2_PREFIX", "r2.prefix", false, p -> p.getR2().getPrefix()),
            new Setting("R2_VISIBILITY_TIMEOUT_SECONDS", "r2.visibility-timeout", false, p -> p.getR2()
                    .getVisibilityTimeout() == null ? null : wholeSeconds(p.getR2().getVisibilityTimeout())),
            new Setting("ROOTKEY_API_URL", "api-url", false, RootkeyConnectorProperties::getApiUrl),
            new Setting("ROOTKEY_API_KEY", "api-key", true, RootkeyConnectorProperties::getApiKey),
            new Setting("ROOTKEY_MAX_FILE_SIZE_BYTES", "max-file-size", false, p -> bytes(p.getMaxFileSize())),
            new Setting("ROOTKEY_ALLOW_INSECURE_LOOPBACK", "allow-insecure-loopback", false,
                    p -> Boolean.toString(p.isAllowInsecureLoopback())));

    private static final Pattern VARIABLE = Pattern.compile("\\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\\b");

    private PropertyMapping() {
    }

    /** The properties as the environment {@code R2ConnectorConfig.fromEnvironment(Map)} reads; unset ones left out. */
    public static Map<String, String> asEnvironment(RootkeyConnectorProperties properties) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Setting setting : SETTINGS) {
            String value = setting.value().apply(properties);
            if (value != null) {
                env.put(setting.variable(), value);
            }
        }
        return env;
    }

    /** {@code text} with every variable of {@link #SETTINGS} replaced by its property name. */
    public static String toPropertyNames(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = SETTINGS.stream().filter(s -> s.variable().equals(m.group()))
                    .map(Setting::propertyName).findFirst().orElse(m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Whether {@code key} names a secret setting: a {@code rootkey.connector.*} secret in any relaxed form
     * ({@code rootkey.connector.r2.secret-access-key}, {@code ROOTKEY_CONNECTOR_R2_SECRETACCESSKEY},
     * {@code rootkey.connector.r2.secretAccessKey}) or its environment variable ({@code R2_SECRET_ACCESS_KEY}).
     */
    public static boolean isSecretKey(String key) {
        if (key == null) {
            return false;
        }
        String normalized = normalize(key);
        for (Setting setting : SETTINGS) {
            if (setting.secret() && (normalized.equals(normalize(setting.variable()))
                    || normalized.startsWith("rootkeyconnector")
                    && normalized.endsWith(normalize(setting.property().substring(setting.property().indexOf('.') + 1))))) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String key) {
        StringBuilder out = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** A duration as the variable's whole seconds; a fraction is kept so that validation names the property. */
    private static String wholeSeconds(java.time.Duration d) {
        return d.getNano() == 0 ? Long.toString(d.getSeconds()) : d.toString();
    }

    private static String bytes(DataSize size) {
        return size == null ? null : Long.toString(size.toBytes());
    }
}
