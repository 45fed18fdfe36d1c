/**
 * Local stand-ins for the connector's three services on 127.0.0.1: {@link ai.rootkey.connector.local.EmbeddedS3}
 * (S3Proxy as the R2 bucket) and {@link ai.rootkey.connector.local.LoopbackStack}, which adds the test kit's fake
 * Cloudflare Queues and ROOTKey API and wires them as R2 does. For demos, tests and benchmarks; never for production.
 *
 * <pre>{@code
 * try (LoopbackStack stack = LoopbackStack.start();
 *      Connector connector = R2Connector.builder().config(stack.config()).start()) {
 *     stack.put("docs/a.pdf", bytes);                    // stores it and publishes R2's event
 *     stack.api().awaitFiles(1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
package ai.rootkey.connector.local;
