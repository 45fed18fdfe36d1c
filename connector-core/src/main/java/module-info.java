/**
 * The ROOTKey connector's core: the SPI ({@code EventSource}, {@code ObjectReader}, {@code Anchorer},
 * {@code FailureClassifier}, {@code EventFilter}), the value types and the {@code Connector} engine. Only the API
 * package is exported; {@code ai.rootkey.connector.internal} stays inside the module.
 */
module ai.rootkey.connector {
    requires org.slf4j;
    requires java.net.http;

    exports ai.rootkey.connector;
}
