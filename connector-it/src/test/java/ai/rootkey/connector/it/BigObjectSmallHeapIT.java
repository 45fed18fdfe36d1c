package ai.rootkey.connector.it;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.local.GeneratedContent;
import ai.rootkey.connector.local.LoopbackStack;
import ai.rootkey.connector.r2.R2Connector;
import ai.rootkey.connector.testkit.ReceivedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 100 MiB object end to end in a JVM whose whole heap is smaller than the object (this class runs in its own
 * surefire fork with {@code -Xmx64m}, see the module's pom): S3Proxy keeps it on disk, the fake API keeps only its
 * digest, and the connector must stream it from the GET into the POST.
 */
class BigObjectSmallHeapIT {
    private static final long SIZE = 100L * 1024 * 1024;
    private static final long SEED = 20261123L;

    @Test
    void hundredMiBObject_isAnchoredByteExact_withAHeapSmallerThanTheObject(@TempDir Path dir) throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("this test must run with a heap smaller than the object")
                .isLessThan(SIZE);
        Path file = GeneratedContent.writeTo(dir.resolve("object.bin"), SIZE, SEED);
        try (LoopbackStack stack = LoopbackStack.builder().s3OnDisk(dir.resolve("s3")).maxRetainedBytes(0).start()) {
            String eTag = stack.put("big/100-mib.bin", file);
            try (Connector connector = R2Connector.builder().config(stack.config())
                    .engine(b -> b.concurrency(2)).start()) {
                ReceivedFile received = stack.api().awaitFiles(1, Duration.ofMinutes(3)).get(0);
                assertThat(received.size()).isEqualTo(SIZE);
                assertThat(received.sha256()).isEqualTo(GeneratedContent.sha256(SIZE, SEED));
                assertThat(received.eTag()).hasValue(eTag);
                assertThat(received.content()).isEmpty();
                assertThat(connector.stats().bytesAnchored()).isEqualTo(SIZE);
            }
        }
    }
}
