/**
 * The test kit: fakes of the queue, the bucket and the ROOTKey API with the real semantics, scripted and recorded
 * like OkHttp's MockWebServer: enqueue events, script faults, run, then assert on what was recorded.
 *
 * <pre>{@code
 * try (ConnectorTestKit kit = ConnectorTestKit.create()) {
 *     kit.bucket().put("docs/a.pdf", bytes);                 // publishes a PutObject event, as R2 would
 *     kit.anchorer().failNext(2, Fault.status(503));         // then succeeds
 *     kit.runUntilIdle(kit.start());
 *     assertThat(kit.anchorer().anchoredKeys()).containsExactly("docs/a.pdf");
 * }
 * }</pre>
 *
 * <h2>The fakes</h2>
 * In memory: {@link ai.rootkey.connector.testkit.InMemoryQueue} (an {@code EventSource}),
 * {@link ai.rootkey.connector.testkit.InMemoryBucket} (an {@code ObjectReader}) and
 * {@link ai.rootkey.connector.testkit.RecordingAnchorer} (an {@code Anchorer}), wired together by
 * {@link ai.rootkey.connector.testkit.ConnectorTestKit}. On loopback HTTP, for the real clients:
 * {@link ai.rootkey.connector.testkit.FakeCloudflareQueues} and {@link ai.rootkey.connector.testkit.FakeRootkeyApi}.
 * The in-memory queue and the HTTP queue fake are two views of one queue model; the contract tests
 * ({@link ai.rootkey.connector.testkit.EventSourceContract} and the others) pin fakes and real implementations to
 * the same rules.
 *
 * <h2>One vocabulary</h2>
 * Every fake speaks the same words:
 * <ul>
 *   <li>{@code failNext(n, fault)} scripts the next {@code n} calls (the queue fakes per
 *       {@link ai.rootkey.connector.testkit.QueueEndpoint}, the bucket as {@code failNextReads}), and
 *       {@code faultRate(rate, mix...)} draws faults at random from a {@link java.util.Random} with the fake's
 *       {@code seed()}. {@code injectedFaults()} lists what was met, in order; {@code clearFaults()} stops
 *       it. Scripting methods return the fake, for chaining.</li>
 *   <li>{@code refuseCredentials()} makes the fake refuse every call as the real service refuses a revoked key or
 *       token, {@code acceptCredentials()} undoes it, and the HTTP fakes' {@code rotateCredentials(secret)} accepts
 *       only a new one.</li>
 *   <li>{@code await...(count, timeout)} waits for what a test waits on ({@code awaitFiles}, {@code awaitUploads},
 *       {@code awaitAcked}, {@code awaitDeadLettered}, {@code awaitReads}) and fails with the fake's state and
 *       seed; {@link ai.rootkey.connector.testkit.Await} waits for anything else.</li>
 *   <li>{@code baseUrl()} is a {@link java.net.URI}.</li>
 * </ul>
 *
 * <h2>The one fault family</h2>
 * MockWebServer has one kind of fault: a response. The kit has one type, {@link ai.rootkey.connector.testkit.Fault},
 * whose kinds are what a call over a network can meet: an error status (with {@code Retry-After}), latency, a
 * connection dropped before or after the call was applied, a reset or a stall in the middle of a body, and, for the
 * in-memory fakes, an exception of the test's choosing. Each fake shows a fault as the real service and the real
 * client would (a 503 is a 503 envelope over HTTP, and the {@code DependencyException} the real client throws in
 * memory), and refuses, with an {@link java.lang.IllegalArgumentException} naming the fake, a kind it cannot show
 * (a reset in the middle of a queue pull, an exception thrown by a server).
 *
 * <h2>Speed of the HTTP fakes</h2>
 * The HTTP fakes run on the JDK's {@code com.sun.net.httpserver}, which writes a reply's headers and body
 * separately; with Nagle's algorithm on, the body then waits for the client's delayed ACK, about 40 ms per reply.
 * Run the tests with {@code -Dsun.net.httpserver.nodelay=true} (in Maven, surefire's
 * {@code systemPropertyVariables}). The kit does not set it itself: a library must not change the JVM it is loaded
 * into. The fakes log {@code rootkey.testkit.nodelay_unset} at WARN once when it is missing; their {@code main}
 * methods, which own their JVM, set it.
 */
package ai.rootkey.connector.testkit;
