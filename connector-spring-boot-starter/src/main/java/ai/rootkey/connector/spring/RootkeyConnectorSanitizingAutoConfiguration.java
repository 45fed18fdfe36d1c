package ai.rootkey.connector.spring;

import ai.rootkey.connector.spring.internal.SecretSanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Masks the connector's secrets in Actuator's {@code env} and {@code configprops} endpoints, whatever their
 * {@code show-values} setting, and also when the connector itself is turned off.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
public class RootkeyConnectorSanitizingAutoConfiguration {

    @Bean
    SecretSanitizingFunction rootkeyConnectorSanitizingFunction() {
        return new SecretSanitizingFunction();
    }
}
