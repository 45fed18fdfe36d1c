package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.r2.ProvisionPlan.Action;
import ai.rootkey.connector.r2.internal.CloudflareApi;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Provisioner} on the one Cloudflare client, against a scripted API: the names, the lease rule, the
 * validation, and the exact requests of each step (shapes from {@code cloudflare-typescript}, see the class doc).
 */
class ProvisionerTest {
    private static final String ACCOUNT = "3f4b7e3dcab231cbfdaa90a6a28bd548";
    private static final String BUCKET = "acme-documents";
    private static final String EVENTS = "rootkey-r2-events-prod-b7e13d3f";
    private static final String DLQ = "rootkey-r2-dlq-prod-b7e13d3f";
    private static final String EVENTS_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final String DLQ_ID = "fedcba9876543210fedcba9876543210";
    private static final String ROOT = "/client/v4/accounts/" + ACCOUNT;
    private static final String QUEUES = ROOT + "/queues";
    private static final String CONFIG = ROOT + "/event_notifications/r2/" + BUCKET + "/configuration";
    private static final String NO_RULES = "{\"bucketName\":\"" + BUCKET + "\",\"queues\":[]}";

    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();

    private static String ok(String result) {
        return "{\"success\":true,\"errors\":[],\"messages\":[],\"result\":" + result + "}";
    }

    private static String queue(String id, String name) {
        return "{\"queue_id\":\"" + id + "\",\"queue_name\":\"" + name + "\",\"settings\":{\"message_retention_period\""
                + ":345600}}";
    }

    private static Provisioner.Builder builder() {
        return Provisioner.builder().accountId(ACCOUNT).apiToken(Secret.of("cf-token-provision"))
                .baseUrl(URI.create(server.baseUrl() + "/client/v4")).allowInsecureLoopbackForTesting(true)
                .bucket(BUCKET).nameSuffix("prod").retry(CloudflareApi.Retry.once());
    }

    private static List<String> writes() {
        List<String> out = new ArrayList<>();
        for (LoggedRequest r : server.findAll(anyRequestedFor(anyUrl()))) {
            if (!r.getMethod().getName().equals("GET")) {
                out.add(r.getMethod().getName() + " " + r.getUrl());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ names and the lease

    @Test
    void names_followTheTerraformModule_sha256OfTheBucketCutToEightHexCharacters() {
        Provisioner.Names names = Provisioner.Names.of("prod", BUCKET);

        // sha256("acme-documents") = b7e13d3f... (computed outside the JVM)
        assertThat(names).isEqualTo(new Provisioner.Names(EVENTS, DLQ, "rootkey-r2-prod-b7e13d3f"));
        Provisioner.Names longest = Provisioner.Names.of("abcdefghijkl", "a".repeat(63));
        assertThat(longest.eventQueue()).hasSizeLessThanOrEqualTo(63).startsWith("rootkey-r2-events-abcdefghijkl-");
        assertThatThrownBy(() -> Provisioner.Names.of("Prod", BUCKET)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("^[a-z0-9]{3,12}$");
    }

    @Test
    void visibilityTimeout_isTheUploadAtTheMinimumBandwidth_plusAQuarterAtLeastAMinute_cappedAt12Hours() {
        long mib = 1024 * 1024;
        assertThat(Provisioner.visibilityTimeoutFor(500 * mib, mib)).isEqualTo(Duration.ofSeconds(625));
        assertThat(Provisioner.visibilityTimeoutFor(1, mib)).isEqualTo(Duration.ofSeconds(61));
        assertThat(Provisioner.visibilityTimeoutFor(5 * 1024 * mib, mib)).isEqualTo(Duration.ofSeconds(6400));
        assertThat(Provisioner.visibilityTimeoutFor(5 * 1024 * mib, 100 * 1024)).isEqualTo(Duration.ofHours(12));
        assertThat(Provisioner.visibilityTimeoutFor(100 * mib, 3 * mib)).as("34 s rounded up, + 60 s")
                .isEqualTo(Duration.ofSeconds(94));
        assertThat(Provisioner.visibilityTimeoutFor(500 * mib, 436_906)).as("DEPLOYING.md's shared-link example")
                .isEqualTo(Duration.ofSeconds(1502));
    }

    @Test
    void build_reportsEveryProblemAtOnce_withTheModulesRules() {
        Provisioner.Builder b = Provisioner.builder().accountId("ABC").bucket("-bad-").nameSuffix("x")
                .prefix("a\nb").maxFileSizeBytes(6L * 1024 * 1024 * 1024).minBandwidthBytesPerSecond(0)
                .baseUrl(URI.create("http://example.com/client/v4"));

        assertThatThrownBy(b::build).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("have 8 problems")
                .hasMessageContaining("accountId must be 32 lowercase hex characters (got 3 characters)")
                .hasMessageContaining("no API token")
                .hasMessageContaining("baseUrl")
                .hasMessageContaining("bucket must match ^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
                .hasMessageContaining("nameSuffix must match ^[a-z0-9]{3,12}$")
                .hasMessageContaining("prefix must not contain control characters")
                .hasMessageContaining("maxFileSizeBytes must be between 1 and 5368709120")
                .hasMessageContaining("minBandwidthBytesPerSecond must be at least 1");
        assertThat(builder().problems()).isEmpty();
    }

    // ------------------------------------------------------------------ plans and requests

    @Test
    void plan_onAnEmptyAccount_plansEveryCreate_andOnlyReads() throws Exception {
        server.stubFor(get(QUEUES).willReturn(okJson(ok("[]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(NO_RULES))));

        ProvisionPlan plan = builder().prefix("contracts/").build().plan();

        assertThat(plan.steps()).extracting(ProvisionPlan.Step::name, ProvisionPlan.Step::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("event queue", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("dead-letter queue", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("event queue consumer", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("dead-letter queue consumer", Action.CREATE),
                org.assertj.core.groups.Tuple.tuple("event notification", Action.CREATE));
        assertThat(plan.applied()).isFalse();
        assertThat(plan.steps().get(2).detail()).isEqualTo("http_pull: batch_size 25, max_retries 5, "
                + "visibility_timeout_ms 625000, dead_letter_queue " + DLQ);
        assertThat(plan.environment()).containsEntry("CLOUDFLARE_ACCOUNT_ID", ACCOUNT).containsEntry("R2_BUCKET", BUCKET)
                .containsEntry("R2_PREFIX", "contracts/").containsEntry("R2_VISIBILITY_TIMEOUT_SECONDS", "625")
                .containsEntry("ROOTKEY_MAX_FILE_SIZE_BYTES", "524288000").doesNotContainKey("R2_QUEUE_ID");
        assertThat(plan.pending()).containsKeys("R2_QUEUE_ID", "R2_DLQ_ID");
        assertThat(plan.secrets()).containsOnlyKeys("CLOUDFLARE_API_TOKEN", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY",
                "ROOTKEY_API_KEY");
        assertThat(plan.render()).startsWith("Dry run: would make 5 change(s)").contains("nothing was changed")
                .doesNotContain("cf-token-provision");
        assertThat(writes()).isEmpty();
    }

    @Test
    void apply_onAnEmptyAccount_createsQueuesConsumersAndTheRule_withTheApisShapes() throws Exception {
        server.stubFor(get(QUEUES).willReturn(okJson(ok("[]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(NO_RULES))));
        server.stubFor(post(QUEUES).withRequestBody(matchingJsonPath("$.queue_name", equalTo(EVENTS)))
                .willReturn(okJson(ok(queue(EVENTS_ID, EVENTS)))));
        server.stubFor(post(QUEUES).withRequestBody(matchingJsonPath("$.queue_name", equalTo(DLQ)))
                .willReturn(okJson(ok(queue(DLQ_ID, DLQ)))));
        server.stubFor(post(QUEUES + "/" + EVENTS_ID + "/consumers").willReturn(okJson(ok("{}"))));
        server.stubFor(post(QUEUES + "/" + DLQ_ID + "/consumers").willReturn(okJson(ok("{}"))));
        server.stubFor(put(CONFIG + "/queues/" + EVENTS_ID).willReturn(okJson(ok("{}"))));
        List<String> heard = new ArrayList<>();

        ProvisionPlan done = builder().prefix("contracts/").suffix(".pdf").jurisdiction(Jurisdiction.EU)
                .onStep(s -> heard.add(s.name() + " " + s.action().word())).build().apply();

        assertThat(done.applied()).isTrue();
        assertThat(done.environment()).containsEntry("R2_QUEUE_ID", EVENTS_ID).containsEntry("R2_DLQ_ID", DLQ_ID)
                .containsEntry("R2_JURISDICTION", "eu");
        assertThat(done.pending()).isEmpty();
        assertThat(heard).containsExactly("event queue create", "dead-letter queue create",
                "event queue consumer create", "dead-letter queue consumer create", "event notification create");
        assertThat(writes()).containsExactly("POST " + QUEUES, "POST " + QUEUES,
                "POST " + QUEUES + "/" + EVENTS_ID + "/consumers", "POST " + QUEUES + "/" + DLQ_ID + "/consumers",
                "PUT " + CONFIG + "/queues/" + EVENTS_ID);
        server.verify(postRequestedFor(urlEqualTo(QUEUES + "/" + EVENTS_ID + "/consumers"))
                .withRequestBody(equalToJson("{\"type\":\"http_pull\",\"dead_letter_queue\":\"" + DLQ + "\","
                        + "\"settings\":{\"batch_size\":25,\"max_retries\":5,\"visibility_timeout_ms\":625000}}")));
        server.verify(postRequestedFor(urlEqualTo(QUEUES + "/" + DLQ_ID + "/consumers"))
                .withRequestBody(equalToJson("{\"type\":\"http_pull\",\"settings\":{\"batch_size\":100,"
                        + "\"max_retries\":100,\"visibility_timeout_ms\":120000}}")));
        server.verify(putRequestedFor(urlEqualTo(CONFIG + "/queues/" + EVENTS_ID))
                .withHeader("cf-r2-jurisdiction", equalTo("eu"))
                .withRequestBody(equalToJson("{\"rules\":[{\"actions\":[\"PutObject\",\"CompleteMultipartUpload\","
                        + "\"CopyObject\"],\"prefix\":\"contracts/\",\"suffix\":\".pdf\",\"description\":\""
                        + Provisioner.RULE_DESCRIPTION + "\"}]}")));
    }

    /** What the Worker's Terraform module leaves: both queues, a Worker consumer, the rule. */
    private static void stubTheModulesResources() {
        server.stubFor(get(QUEUES).willReturn(okJson(ok("[" + queue(DLQ_ID, DLQ) + "," + queue(EVENTS_ID, EVENTS)
                + "]"))));
        server.stubFor(get(QUEUES + "/" + EVENTS_ID + "/consumers")
                .willReturn(okJson(ok("[" + Fixtures.read("queues-consumer-worker.json") + "]"))));
        server.stubFor(get(QUEUES + "/" + DLQ_ID + "/consumers").willReturn(okJson(ok("[]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(Fixtures.read("r2-event-notification-configuration.json")))));
    }

    @Test
    void aQueueWithTheWorkersConsumer_isRefused_andNothingChanges() throws Exception {
        stubTheModulesResources();

        ProvisionPlan plan = builder().prefix("contracts/").build().apply();

        assertThat(plan.refused()).isTrue();
        assertThat(plan.applied()).isFalse();
        ProvisionPlan.Step consumer = plan.steps().get(2);
        assertThat(consumer.action()).isEqualTo(Action.REFUSED);
        assertThat(consumer.detail()).contains(EVENTS + " is consumed by a Worker consumer (script "
                + "\"rootkey-r2-prod-b7e13d3f\")");
        assertThat(consumer.fix()).hasValueSatisfying(f -> assertThat(f).contains("--replace-worker-consumer"));
        assertThat(plan.steps()).extracting(ProvisionPlan.Step::action).containsExactly(Action.UNCHANGED,
                Action.UNCHANGED, Action.REFUSED, Action.CREATE, Action.UNCHANGED);
        assertThat(plan.render()).startsWith("Refused: nothing was changed").doesNotContain("R2_QUEUE_ID=");
        assertThat(writes()).isEmpty();
    }

    @Test
    void replaceWorkerConsumer_deletesTheWorkersConsumerByItsId_thenAddsTheHttpPullOne() throws Exception {
        stubTheModulesResources();
        server.stubFor(delete(QUEUES + "/" + EVENTS_ID + "/consumers/5e6f708192a3b4c5d6e7f8091a2b3c4d")
                .willReturn(okJson(ok("null"))));
        server.stubFor(post(QUEUES + "/" + EVENTS_ID + "/consumers").willReturn(okJson(ok("{}"))));
        server.stubFor(post(QUEUES + "/" + DLQ_ID + "/consumers").willReturn(okJson(ok("{}"))));

        ProvisionPlan plan = builder().prefix("contracts/").replaceWorkerConsumer(true).build().apply();

        assertThat(plan.applied()).isTrue();
        assertThat(plan.steps().get(2).action()).isEqualTo(Action.UPDATE);
        assertThat(plan.steps().get(2).detail()).startsWith("replace a Worker consumer (script "
                + "\"rootkey-r2-prod-b7e13d3f\") with http_pull: batch_size 25");
        assertThat(plan.steps().get(4).detail()).startsWith("rule 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0: ");
        assertThat(writes()).containsExactly(
                "DELETE " + QUEUES + "/" + EVENTS_ID + "/consumers/5e6f708192a3b4c5d6e7f8091a2b3c4d",
                "POST " + QUEUES + "/" + EVENTS_ID + "/consumers", "POST " + QUEUES + "/" + DLQ_ID + "/consumers");
        server.verify(deleteRequestedFor(urlEqualTo(QUEUES + "/" + EVENTS_ID
                + "/consumers/5e6f708192a3b4c5d6e7f8091a2b3c4d")));
    }

    @Test
    void aConsumerWithOtherSettings_isUpdatedInPlace_namingEachDifference() throws Exception {
        server.stubFor(get(QUEUES).willReturn(okJson(ok("[" + queue(DLQ_ID, DLQ) + "," + queue(EVENTS_ID, EVENTS)
                + "]"))));
        server.stubFor(get(QUEUES + "/" + EVENTS_ID + "/consumers").willReturn(okJson(ok("[{\"consumer_id\":\"c1\","
                + "\"type\":\"http_pull\",\"dead_letter_queue\":\"\",\"settings\":{\"batch_size\":25,\"max_retries\":3,"
                + "\"visibility_timeout_ms\":625000}}]"))));
        server.stubFor(get(QUEUES + "/" + DLQ_ID + "/consumers").willReturn(okJson(ok("[{\"consumer_id\":\"c2\","
                + "\"type\":\"http_pull\",\"settings\":{\"max_retries\":7}}]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(NO_RULES))));
        server.stubFor(put(QUEUES + "/" + EVENTS_ID + "/consumers/c1").willReturn(okJson(ok("{}"))));
        server.stubFor(put(CONFIG + "/queues/" + EVENTS_ID).willReturn(okJson(ok("{}"))));

        ProvisionPlan plan = builder().build().apply();

        assertThat(plan.steps().get(2).detail()).isEqualTo("http_pull (consumer c1): max_retries 3 -> 5, "
                + "dead_letter_queue unset -> " + DLQ);
        assertThat(plan.steps().get(3).action()).as("any http_pull consumer on the DLQ will do")
                .isEqualTo(Action.UNCHANGED);
        assertThat(writes()).containsExactly("PUT " + QUEUES + "/" + EVENTS_ID + "/consumers/c1",
                "PUT " + CONFIG + "/queues/" + EVENTS_ID);
        server.verify(putRequestedFor(urlEqualTo(CONFIG + "/queues/" + EVENTS_ID))
                .withRequestBody(equalToJson("{\"rules\":[{\"actions\":[\"PutObject\",\"CompleteMultipartUpload\","
                        + "\"CopyObject\"],\"description\":\"" + Provisioner.RULE_DESCRIPTION + "\"}]}")));
    }

    @Test
    void aRuleWhoseKeysOverlapTheWantedOne_isRefused_namingIt() throws Exception {
        stubTheModulesResources();

        ProvisionPlan plan = builder().prefix("contracts/2025/").replaceWorkerConsumer(true).build().apply();

        ProvisionPlan.Step rule = plan.steps().get(4);
        assertThat(rule.action()).isEqualTo(Action.REFUSED);
        assertThat(rule.detail()).contains("rule 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 to " + EVENTS
                + " (PutObject, CompleteMultipartUpload, CopyObject; prefix \"contracts/\")")
                .contains("R2 rejects overlapping rules");
        assertThat(writes()).as("a refusal anywhere changes nothing anywhere").isEmpty();
    }

    @Test
    void theQueueList_isReadPageByPage_whenTheApiPagesIt() throws Exception {
        server.stubFor(get(QUEUES).willReturn(okJson("{\"success\":true,\"errors\":[],\"messages\":[],\"result\":["
                + queue("11111111111111111111111111111111", "other") + "],\"result_info\":{\"page\":1,"
                + "\"total_pages\":2}}")));
        server.stubFor(get(QUEUES + "?page=2").willReturn(okJson("{\"success\":true,\"errors\":[],\"messages\":[],"
                + "\"result\":[" + queue(EVENTS_ID, EVENTS) + "],\"result_info\":{\"page\":2,\"total_pages\":2}}")));
        server.stubFor(get(QUEUES + "/" + EVENTS_ID + "/consumers").willReturn(okJson(ok("[]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(NO_RULES))));

        ProvisionPlan plan = builder().build().plan();

        assertThat(plan.steps().get(0)).isEqualTo(new ProvisionPlan.Step("event queue", Action.UNCHANGED,
                EVENTS + " (id " + EVENTS_ID + ")", java.util.Optional.empty()));
    }

    @Test
    void aCreateWhoseReplyIsLost_findsTheQueueAndCarriesOn() throws Exception {
        server.stubFor(get(QUEUES).inScenario("lost").whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing
                .Scenario.STARTED).willReturn(okJson(ok("[" + queue(DLQ_ID, DLQ) + "]"))));
        server.stubFor(post(QUEUES).inScenario("lost").willReturn(aResponse().withStatus(502))
                .willSetStateTo("created"));
        server.stubFor(get(QUEUES).inScenario("lost").whenScenarioStateIs("created")
                .willReturn(okJson(ok("[" + queue(DLQ_ID, DLQ) + "," + queue(EVENTS_ID, EVENTS) + "]"))));
        server.stubFor(get(QUEUES + "/" + DLQ_ID + "/consumers").willReturn(okJson(ok("[{\"type\":\"http_pull\"}]"))));
        server.stubFor(get(CONFIG).willReturn(okJson(ok(NO_RULES))));
        server.stubFor(post(QUEUES + "/" + EVENTS_ID + "/consumers").willReturn(okJson(ok("{}"))));
        server.stubFor(put(CONFIG + "/queues/" + EVENTS_ID).willReturn(okJson(ok("{}"))));

        ProvisionPlan plan = builder().build().apply();

        assertThat(plan.applied()).isTrue();
        assertThat(plan.environment()).containsEntry("R2_QUEUE_ID", EVENTS_ID);
    }

    @Test
    void aRefusedToken_isAnAccessRefusedException_withoutTheToken() {
        server.stubFor(get(QUEUES).willReturn(aResponse().withStatus(403).withBody("{\"success\":false,\"errors\":"
                + "[{\"code\":10000,\"message\":\"Authentication error\"}]}")));

        assertThatThrownBy(() -> builder().build().plan()).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("check CLOUDFLARE_API_TOKEN").hasMessageNotContaining("cf-token-provision");
    }
}
