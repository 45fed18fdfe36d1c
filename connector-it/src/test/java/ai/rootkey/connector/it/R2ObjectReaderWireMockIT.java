package ai.rootkey.connector.it;

import ai.rootkey.connector.ConfigurationException;
import ai.rootkey.connector.DependencyException;
import ai.rootkey.connector.StoredObject;
import ai.rootkey.connector.Verdict;
import ai.rootkey.connector.r2.R2ObjectReader;
import ai.rootkey.connector.r2.Secret;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The reader's error mapping and wire form, against WireMock standing in for R2's S3 API. */
class R2ObjectReaderWireMockIT {
    private static final String OBJECT_URL = "/docs/a.pdf";

    private static WireMockServer wireMock;
    private R2ObjectReader reader;

    @BeforeAll
    static void startWireMock() {
        wireMock = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wireMock.start();
    }

    @AfterAll
    static void stopWireMock() {
        wireMock.stop();
    }

    @BeforeEach
    void newReader() {
        wireMock.resetAll();
        reader = readerBuilder().maxAttempts(1).build();
    }

    @AfterEach
    void closeReader() {
        reader.close();
    }

    private static R2ObjectReader.Builder readerBuilder() {
        return R2ObjectReader.builder().endpoint(URI.create(wireMock.baseUrl())).allowInsecureLoopbackForTesting(true)
                .accessKeyId("key-id").secretAccessKey(Secret.of("secret"));
    }

    private static ResponseDefinitionBuilder s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                        + "</Message></Error>");
    }

    private static void stub(MappingBuilder mapping) {
        wireMock.stubFor(mapping);
    }

    private Throwable openFails() {
        Throwable thrown = catchThrowable(() -> reader.open("docs", "a.pdf"));
        assertThat(thrown).as("open should fail").isNotNull();
        return thrown;
    }

    @Test
    void slowDown503_isATransientDependencyFailure() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(503, "SlowDown", "Please reduce your request rate.")));

        Throwable thrown = openFails();

        assertThat(thrown).isInstanceOf(DependencyException.class).hasMessage("R2 answered GetObject for bucket "
                + "\"docs\", key \"a.pdf\" with SlowDown, HTTP 503: \"Please reduce your request rate.\"");
        DependencyException e = (DependencyException) thrown;
        assertThat(e.status()).hasValue(503);
        assertThat(e.errorCode()).contains("SlowDown");
        assertThat(e.retryAfter()).isEmpty();
        assertThat(R2ObjectReaderIT.classify(thrown)).isEqualTo(Verdict.transientFailure("s3_slowdown"));
    }

    @Test
    void retryAfter_isCarriedToTheClassifier() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(503, "SlowDown", "slow down").withHeader("Retry-After", "7")));

        Throwable thrown = openFails();

        assertThat(((DependencyException) thrown).retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(R2ObjectReaderIT.classify(thrown).retryAfter()).contains(Duration.ofSeconds(7));
    }

    @Test
    void internalError500_isATransientDependencyFailure() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(500, "InternalError", "We encountered an internal error.")));

        DependencyException e = (DependencyException) openFails();

        assertThat(e.status()).hasValue(500);
        assertThat(e.errorCode()).contains("InternalError");
        assertThat(R2ObjectReaderIT.classify(e).kind()).isEqualTo(Verdict.Kind.TRANSIENT);
    }

    @Test
    void tooManyRequests429_isATransientDependencyFailure() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(aResponse().withStatus(429)));

        DependencyException e = (DependencyException) openFails();

        assertThat(e.status()).hasValue(429);
        assertThat(R2ObjectReaderIT.classify(e)).isEqualTo(Verdict.transientFailure("http_429"));
    }

    @Test
    void noSuchKey404_isEmpty() throws IOException {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(404, "NoSuchKey", "The specified key does not exist.")));

        assertThat(reader.open("docs", "a.pdf")).isEmpty();
    }

    @Test
    void noSuchBucket404_isAConfigurationProblem() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(404, "NoSuchBucket", "The specified bucket does not exist")));

        assertThat(openFails()).isInstanceOf(ConfigurationException.class).hasMessage("R2 answered NoSuchBucket for "
                + "bucket \"docs\": check R2_BUCKET and the endpoint/jurisdiction (" + wireMock.baseUrl() + ")");
    }

    @Test
    void accessDenied403_isAConfigurationProblem() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(403, "AccessDenied", "Access Denied")));

        Throwable thrown = openFails();

        assertThat(thrown).isInstanceOf(ConfigurationException.class).hasMessage("R2 AccessDenied on bucket \"docs\" "
                + "(HTTP 403): check that the token behind R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY may "
                + "read R2_BUCKET, and the endpoint/jurisdiction (" + wireMock.baseUrl() + ")");
        assertThat(R2ObjectReaderIT.classify(thrown).kind()).isEqualTo(Verdict.Kind.CONFIGURATION);
    }

    @Test
    void otherClientError_isAPermanentDependencyFailure() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(400, "InvalidArgument", "Invalid\nArgument")));

        Throwable thrown = openFails();

        assertThat(thrown).isInstanceOf(DependencyException.class).hasMessage("R2 answered GetObject for bucket "
                + "\"docs\", key \"a.pdf\" with InvalidArgument, HTTP 400: \"Invalid\\nArgument\"");
        assertThat(((DependencyException) thrown).status()).hasValue(400);
        assertThat(R2ObjectReaderIT.classify(thrown)).isEqualTo(Verdict.permanent("http_400"));
    }

    @Test
    void serverErrors_areRetriedByTheSdkUpToMaxAttempts() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(s3Error(500, "InternalError", "oops")));
        try (R2ObjectReader defaults = readerBuilder().build()) {
            assertThat(catchThrowable(() -> defaults.open("docs", "a.pdf"))).isInstanceOf(DependencyException.class);
        }
        assertThat(wireMock.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo(OBJECT_URL))))
                .hasSize(R2ObjectReader.DEFAULT_MAX_ATTEMPTS);
    }

    @Test
    void probe_serverError_isADependencyFailure() {
        stub(head(urlEqualTo("/docs")).willReturn(aResponse().withStatus(503)));

        Throwable thrown = catchThrowable(() -> reader.probe("docs"));

        assertThat(thrown).isInstanceOf(DependencyException.class);
        assertThat(((DependencyException) thrown).status()).hasValue(503);
    }

    @Test
    void request_isPathStyle_signedForRegionAuto_withoutChecksumMode() throws IOException {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(aResponse().withStatus(200).withBody("pdf")
                .withHeader("Content-Length", "3").withHeader("ETag", "\"abc\"")));

        try (StoredObject object = reader.open("docs", "a.pdf").orElseThrow()) {
            assertThat(object.body().readAllBytes()).hasSize(3);
            assertThat(object.metadata().eTag()).contains("abc");
        }

        LoggedRequest request = wireMock.getAllServeEvents().get(0).getRequest();
        assertThat(request.getUrl()).isEqualTo(OBJECT_URL);
        assertThat(request.getHeader("Host")).isEqualTo(URI.create(wireMock.baseUrl()).getAuthority());
        assertThat(request.getHeader("Authorization")).contains("/auto/s3/aws4_request");
        assertThat(request.containsHeader("x-amz-checksum-mode")).isFalse();
    }

    @Test
    void answerWithoutContentLength_isATransientIOException() {
        stub(get(urlEqualTo(OBJECT_URL)).willReturn(aResponse().withStatus(200).withBody("chunked body")));

        Throwable thrown = openFails();

        assertThat(thrown).isInstanceOf(IOException.class).hasMessage("the store answered GetObject for bucket "
                + "\"docs\", key \"a.pdf\" without a Content-Length");
        assertThat(R2ObjectReaderIT.classify(thrown).kind()).isEqualTo(Verdict.Kind.TRANSIENT);
    }

    /** S3Proxy cannot store the first two keys (see {@link R2ObjectReaderIT}); this shows what R2 would receive. */
    @Test
    void keys_areSentPercentEncoded_includingThoseS3ProxyRejects() throws IOException {
        stub(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("x").withHeader("Content-Length", "1")));
        List<String> keys = List.of("a//b", "/leading", "sp ace+plus%?#", "ü/😀");
        for (String key : keys) {
            reader.open("docs", key).orElseThrow().close();
        }

        assertThat(wireMock.getAllServeEvents()).extracting(e -> e.getRequest().getUrl()).containsExactlyInAnyOrder(
                "/docs/a/%2Fb", "/docs/%2Fleading", "/docs/sp%20ace%2Bplus%25%3F%23",
                "/docs/%C3%BC/%F0%9F%98%80");
    }
}
