package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FakeQueuesMainTest {

    private static Map<String, String> printedEnvironment(ByteArrayOutputStream out) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("#") && line.contains("=")) {
                env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1).trim());
            }
        }
        return env;
    }

    @Test
    void start_printsTheEnvironmentToReachTheQueues_andServesThem() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FakeCloudflareQueues fake = FakeQueuesMain.start(List.of("--port", "0", "--token", "tok-123", "--max-retries", "7"),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Map<String, String> env = printedEnvironment(out);

            assertThat(env).containsKeys("CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN",
                    "R2_QUEUE_ID", "R2_DLQ_ID", "ROOTKEY_ALLOW_INSECURE_LOOPBACK");
            assertThat(env.get("CLOUDFLARE_API_BASE_URL")).isEqualTo(fake.baseUrl().toString()).startsWith("http://127.0.0.1:");
            assertThat(env.get("CLOUDFLARE_API_TOKEN")).isEqualTo("tok-123");
            assertThat(fake.queue(env.get("R2_QUEUE_ID")).consumer().maxRetries()).isEqualTo(7);
            assertThat(fake.queue(env.get("R2_QUEUE_ID")).consumer().deadLetterQueue())
                    .contains(fake.queue(env.get("R2_DLQ_ID")).name());

            HttpResponse<String> reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            env.get("CLOUDFLARE_API_BASE_URL") + "/accounts/" + env.get("CLOUDFLARE_ACCOUNT_ID") + "/queues/"
                                    + env.get("R2_QUEUE_ID") + "/consumers"))
                    .header("Authorization", "Bearer " + env.get("CLOUDFLARE_API_TOKEN")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(reply.statusCode()).isEqualTo(200);
            assertThat(reply.body()).contains("\"max_retries\":7");
        }
    }

    @Test
    void start_takesPortAndTokenFromTheEnvironment_andMakesARandomTokenOtherwise() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FakeCloudflareQueues fake = FakeQueuesMain.start(List.of(),
                Map.of("FAKE_CLOUDFLARE_QUEUES_PORT", "0", "FAKE_CLOUDFLARE_QUEUES_TOKEN", "from-env"),
                new PrintStream(out, true, StandardCharsets.UTF_8))) {
            assertThat(fake.token()).isEqualTo("from-env");
        }
        try (FakeCloudflareQueues a = FakeQueuesMain.start(List.of("--port", "0"), Map.of(), new PrintStream(out));
             FakeCloudflareQueues b = FakeQueuesMain.start(List.of("--port", "0"), Map.of(), new PrintStream(out))) {
            assertThat(a.token()).startsWith("fake-").isNotEqualTo(b.token());
        }
    }

    @Test
    void noQueues_startsAnEmptyAccount_andPrintsNoQueueIds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FakeCloudflareQueues fake = FakeQueuesMain.start(List.of("--port", "0", "--no-queues"), Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8))) {
            assertThat(fake.queueIds()).isEmpty();
            assertThat(printedEnvironment(out)).containsOnlyKeys("CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_ACCOUNT_ID",
                    "CLOUDFLARE_API_TOKEN", "ROOTKEY_ALLOW_INSECURE_LOOPBACK");
        }
    }

    @Test
    void start_rejectsUnknownOptionsAndBadNumbers() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        assertThatThrownBy(() -> FakeQueuesMain.start(List.of("--bogus", "1"), Map.of(), sink))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> FakeQueuesMain.start(List.of("--port"), Map.of(), sink))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> FakeQueuesMain.start(List.of("--port", "x"), Map.of(), sink))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    }
}
