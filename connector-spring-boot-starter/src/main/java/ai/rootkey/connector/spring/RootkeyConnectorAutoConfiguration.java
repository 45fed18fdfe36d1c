package ai.rootkey.connector.spring;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.micrometer.ConnectorMetrics;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.r2.R2ConnectorConfig;
import ai.rootkey.connector.spring.internal.Boot3ConnectorHealthIndicator;
import ai.rootkey.connector.spring.internal.ConnectorAssembly;
import ai.rootkey.connector.spring.internal.ConnectorHealthIndicator;
import ai.rootkey.connector.spring.internal.ConnectorParts;
import ai.rootkey.connector.spring.internal.OnConnectorHealthEnabledCondition;
import ai.rootkey.connector.spring.internal.RestartableConnector;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.http.HttpClient;
import java.util.Optional;

/**
 * Auto-configures the R2 connector from {@link RootkeyConnectorProperties}.
 *
 * <ul>
 * <li>{@code rootkeyConnectorConfig} ({@link R2ConnectorConfig}): the properties, validated when the application
 * starts; every problem is listed at once. Declare your own {@code R2ConnectorConfig} bean to replace it (for
 * credentials from a vault with {@code Secret.fromSupplier}).</li>
 * <li>{@code rootkeyConnector} ({@link Connector}): built with every {@link EventFilter} and {@link ConnectorListener}
 * bean, the {@link FailureClassifier} bean if there is one, the {@link ConnectorBuilderCustomizer} beans, and the
 * application's {@link S3Client} (for R2) and {@link HttpClient} (for the Cloudflare Queues API) when it has exactly
 * one, or a bean named {@value #S3_CLIENT_BEAN} / {@value #HTTP_CLIENT_BEAN}. Clients from the application are left
 * open. Declaring your own {@code Connector} bean turns this one off.</li>
 * <li>{@code rootkeyConnectorLifecycle}: starts the connector when the context is ready and drains it in the
 * graceful shutdown phase.</li>
 * <li>With Actuator: the {@code rootkeyConnector} health indicator and the {@code rootkey.connector.*} meters on the
 * application's {@code MeterRegistry} ({@link ConnectorMetrics}, a listener and {@code MeterBinder} bean).</li>
 * </ul>
 *
 * <p>{@code rootkey.connector.enabled=false} turns all of it off.
 */
@AutoConfiguration
@ConditionalOnClass(R2Connector.class)
@ConditionalOnProperty(prefix = RootkeyConnectorProperties.PREFIX, name = "enabled", havingValue = "true",
        matchIfMissing = true)
@EnableConfigurationProperties(RootkeyConnectorProperties.class)
public class RootkeyConnectorAutoConfiguration {
    /** The name of an {@link S3Client} bean used for R2 even when the application has other S3 clients. */
    public static final String S3_CLIENT_BEAN = "rootkeyConnectorS3Client";
    /** The name of an {@link HttpClient} bean used for the Queues API even when the application has others. */
    public static final String HTTP_CLIENT_BEAN = "rootkeyConnectorHttpClient";

    /** Starts and drains whichever {@link Connector} bean the context has (this one, the test kit's, or yours). */
    @Bean
    @ConditionalOnMissingBean
    public ConnectorLifecycle rootkeyConnectorLifecycle(Connector connector) {
        return new ConnectorLifecycle(connector);
    }

    /** The R2 connector, unless the application (or the test kit) declares a {@link Connector}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Connector.class)
    static class R2ConnectorConfiguration {

        @Bean
        @ConditionalOnMissingBean
        R2ConnectorConfig rootkeyConnectorConfig(RootkeyConnectorProperties properties) {
            return ConnectorAssembly.validate(properties);
        }

        @Bean
        Connector rootkeyConnector(R2ConnectorConfig config, RootkeyConnectorProperties properties,
                                   ObjectProvider<EventFilter> filters, ObjectProvider<ConnectorListener> listeners,
                                   ObjectProvider<FailureClassifier> classifier,
                                   ObjectProvider<ConnectorBuilderCustomizer> customizers,
                                   ObjectProvider<S3Client> s3Clients, ObjectProvider<HttpClient> httpClients,
                                   ListableBeanFactory beans) {
            ConnectorParts parts = ConnectorParts.of(filters, listeners, classifier, customizers);
            Optional<S3Client> s3Client = preferred(beans, s3Clients, S3_CLIENT_BEAN, S3Client.class);
            Optional<HttpClient> httpClient = preferred(beans, httpClients, HTTP_CLIENT_BEAN, HttpClient.class);
            return new RestartableConnector(
                    () -> ConnectorAssembly.r2(config, properties, parts, s3Client, httpClient));
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
        static class MetricsConfiguration {

            /** A listener (so the connector reports to it) and a MeterBinder (so Boot binds it to every registry). */
            @Bean
            @ConditionalOnMissingBean
            ConnectorMetrics rootkeyConnectorMetrics(R2ConnectorConfig config) {
                return ConnectorMetrics.forBucket(config.bucket());
            }
        }

        private static <T> Optional<T> preferred(ListableBeanFactory beans, ObjectProvider<T> candidates, String name,
                                                 Class<T> type) {
            if (beans.containsBean(name)) {
                return Optional.of(beans.getBean(name, type));
            }
            return Optional.ofNullable(candidates.getIfUnique());
        }
    }

    /** Spring Boot 4.0 Actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @Conditional(OnConnectorHealthEnabledCondition.class)
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "rootkeyConnectorHealthIndicator")
        ConnectorHealthIndicator rootkeyConnectorHealthIndicator(Connector connector) {
            return new ConnectorHealthIndicator(connector);
        }
    }

    /** Spring Boot 3.5 Actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @Conditional(OnConnectorHealthEnabledCondition.class)
    static class Boot3HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "rootkeyConnectorHealthIndicator")
        Boot3ConnectorHealthIndicator rootkeyConnectorHealthIndicator(Connector connector) {
            return new Boot3ConnectorHealthIndicator(connector);
        }
    }
}
