package ai.rootkey.connector.spring.internal;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks the connector's credentials in Actuator's {@code env} and {@code configprops} endpoints even where
 * {@code management.endpoint.*.show-values} reveals other values: every key {@link PropertyMapping#isSecretKey}
 * recognises, in any relaxed form, and the environment variables the connector reads ({@code ROOTKEY_API_KEY},
 * {@code CLOUDFLARE_API_TOKEN}, {@code R2_SECRET_ACCESS_KEY}).
 */
public final class SecretSanitizingFunction implements SanitizingFunction {

    @Override
    public SanitizableData apply(SanitizableData data) {
        return PropertyMapping.isSecretKey(data.getKey()) ? data.withSanitizedValue() : data;
    }
}
