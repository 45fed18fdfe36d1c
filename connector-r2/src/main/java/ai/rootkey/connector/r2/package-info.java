/**
 * The ROOTKey connector for Cloudflare R2: {@link ai.rootkey.connector.r2.R2Connector} wires the bucket's event queue
 * ({@link ai.rootkey.connector.r2.CloudflareQueueSource}), its objects ({@link ai.rootkey.connector.r2.R2ObjectReader},
 * with {@link ai.rootkey.connector.r2.R2ClientSettings}) and the ROOTKey upload API
 * ({@link ai.rootkey.connector.r2.RootkeyAnchorer}) from one {@link ai.rootkey.connector.r2.R2ConnectorConfig}. Beside
 * it: {@link ai.rootkey.connector.r2.Backfill} for objects that already exist,
 * {@link ai.rootkey.connector.r2.DeadLetterQueue} to look at and replay what the queue gave up on,
 * {@link ai.rootkey.connector.r2.Provisioner} to create the queues, consumers and notification rule, and
 * {@link ai.rootkey.connector.r2.Doctor} to check a configuration end to end. This is the module's one API package;
 * {@code ai.rootkey.connector.r2.internal} is not API.
 *
 * <pre>{@code
 * try (Connector connector = R2Connector.builder()
 *         .config(R2ConnectorConfig.fromEnvironment())   // CLOUDFLARE_*, R2_*, ROOTKEY_* variables
 *         .start()) {
 *     awaitShutdown();   // the application's own wait: meanwhile every new object is anchored
 * }
 * }</pre>
 */
package ai.rootkey.connector.r2;
