package ai.rootkey.connector.spring.internal;

import ai.rootkey.connector.ConnectorListener;
import ai.rootkey.connector.EventFilter;
import ai.rootkey.connector.FailureClassifier;
import ai.rootkey.connector.spring.ConnectorBuilderCustomizer;
import org.springframework.beans.factory.ObjectProvider;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the application contributes to the connector: its {@link EventFilter}, {@link ConnectorListener} and
 * {@link FailureClassifier} beans and its {@link ConnectorBuilderCustomizer}s, in bean order.
 */
public record ConnectorParts(List<EventFilter> filters, List<ConnectorListener> listeners,
                             Optional<FailureClassifier> classifier, List<ConnectorBuilderCustomizer> customizers) {

    public ConnectorParts {
        filters = List.copyOf(filters);
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(classifier, "classifier");
        customizers = List.copyOf(customizers);
    }

    /** The application's beans, each list in bean order ({@code @Order}); the classifier only when there is one. */
    public static ConnectorParts of(ObjectProvider<EventFilter> filters, ObjectProvider<ConnectorListener> listeners,
                                    ObjectProvider<FailureClassifier> classifier,
                                    ObjectProvider<ConnectorBuilderCustomizer> customizers) {
        return new ConnectorParts(filters.orderedStream().toList(), listeners.orderedStream().toList(),
                Optional.ofNullable(classifier.getIfUnique()), customizers.orderedStream().toList());
    }
}
