package ai.rootkey.connector.spring;

import ai.rootkey.connector.Connector;

/**
 * Changes the engine settings of the auto-configured connector after the {@code rootkey.connector.engine.*}
 * properties were applied: declare one or more as beans (ordered by {@code @Order}) for what properties cannot say,
 * such as a {@link java.time.Clock} or a {@link ai.rootkey.connector.RetryPolicy} computed at startup.
 *
 * <pre>{@code
 * @Bean
 * ConnectorBuilderCustomizer slowApi() {
 *     return builder -> builder.retryPolicy(RetryPolicy.defaults().withDelays(Duration.ofSeconds(30), Duration.ofHours(1)));
 * }
 * }</pre>
 *
 * <p>Filters, listeners and the failure classifier are simpler as beans of their own ({@code EventFilter},
 * {@code ConnectorListener}, {@code FailureClassifier}): the starter picks every one up.
 */
@FunctionalInterface
public interface ConnectorBuilderCustomizer {

    /** Adjusts {@code builder}; called once, on the thread that creates the connector bean. */
    void customize(Connector.Builder builder);
}
