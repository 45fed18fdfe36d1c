package ai.rootkey.connector.spring.test;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.micrometer.ConnectorMetrics;
import ai.rootkey.connector.spring.ConnectorBuilderCustomizer;
import ai.rootkey.connector.spring.RootkeyConnectorAutoConfiguration;
import ai.rootkey.connector.spring.RootkeyConnectorProperties;
import ai.rootkey.connector.spring.internal.ConnectorAssembly;
import ai.rootkey.connector.spring.internal.ConnectorParts;
import ai.rootkey.connector.spring.internal.RestartableConnector;
import ai.rootkey.connector.testkit.ConnectorTestKit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The connector on the in-memory test kit, imported by {@link AutoConfigureConnectorTestKit}. Runs before
 * {@link RootkeyConnectorAutoConfiguration}, whose R2 connector then backs off; its lifecycle and health indicator
 * apply to this connector. None of the R2, Cloudflare or ROOTKey API properties is needed.
 */
@AutoConfiguration(before = RootkeyConnectorAutoConfiguration.class)
@ConditionalOnClass(ConnectorTestKit.class)
@ConditionalOnProperty(prefix = RootkeyConnectorProperties.PREFIX, name = "enabled", havingValue = "true",
        matchIfMissing = true)
@EnableConfigurationProperties(RootkeyConnectorProperties.class)
public class ConnectorTestKitAutoConfiguration {

    /** The kit, for bucket {@code rootkey.connector.r2.bucket} when set ({@code test-bucket} otherwise). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ConnectorTestKit rootkeyConnectorTestKit(RootkeyConnectorProperties properties) {
        ConnectorTestKit.Builder kit = ConnectorTestKit.builder();
        String bucket = properties.getR2().getBucket();
        if (bucket != null && !bucket.isBlank()) {
            kit.bucket(bucket);
        }
        return kit.build();
    }

    /** The connector on the kit, not started (the lifecycle starts it); the kit's timings and seed. */
    @Bean
    @ConditionalOnMissingBean
    public Connector rootkeyConnector(ConnectorTestKit kit, RootkeyConnectorProperties properties,
                                      ObjectProvider<EventFilter> filters, ObjectProvider<ConnectorListener> listeners,
                                      ObjectProvider<FailureClassifier> classifier,
                                      ObjectProvider<ConnectorBuilderCustomizer> customizers) {
        ConnectorAssembly.validateForTestKit(properties);
        ConnectorParts parts = ConnectorParts.of(filters, listeners, classifier, customizers);
        return new RestartableConnector(() -> ConnectorAssembly.testKit(kit.connectorBuilder(), properties, parts)
                .build());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConnectorMetrics rootkeyConnectorMetrics(ConnectorTestKit kit) {
            return ConnectorMetrics.forBucket(kit.bucket().name());
        }
    }
}
