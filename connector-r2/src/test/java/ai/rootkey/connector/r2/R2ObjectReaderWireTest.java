package ai.rootkey.connector.r2;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the reader puts on the wire for temporary credentials and listings, against WireMock standing in for R2's S3
 * API (S3Proxy stores no control characters in keys and checks no session tokens).
 */
class R2ObjectReaderWireTest {
    @RegisterExtension
    static final WireMockExtension server = WireMockExtension.newInstance()
            .options(options().bindAddress("127.0.0.1").dynamicPort()).build();

    private static R2ObjectReader.Builder reader() {
        return R2ObjectReader.builder().endpoint(URI.create(server.baseUrl())).allowInsecureLoopbackForTesting(true)
                .accessKeyId("key-id").secretAccessKey(Secret.of("secret")).maxAttempts(1);
    }

    @Test
    void temporaryCredentials_sendTheSessionTokenWithEverySignedRequest() throws Exception {
        server.stubFor(get(urlPathEqualTo("/docs/a.pdf")).willReturn(aResponse().withStatus(200).withBody("pdf")
                .withHeader("Content-Length", "3")));

        try (R2ObjectReader withToken = reader().sessionToken(Secret.of("SESSION-TOKEN-4c1f")).build()) {
            withToken.open("docs", "a.pdf").orElseThrow().close();
        }
        try (R2ObjectReader without = reader().build()) {
            without.open("docs", "a.pdf").orElseThrow().close();
        }

        LoggedRequest signedWithToken = server.getAllServeEvents().get(1).getRequest();
        LoggedRequest signedWithout = server.getAllServeEvents().get(0).getRequest();
        assertThat(signedWithToken.getHeader("X-Amz-Security-Token")).isEqualTo("SESSION-TOKEN-4c1f");
        assertThat(signedWithToken.getHeader("Authorization")).contains("x-amz-security-token");
        assertThat(signedWithout.containsHeader("X-Amz-Security-Token")).isFalse();
    }

    /**
     * A key with a control character cannot be written in XML 1.0: a listing without {@code encoding-type=url} would
     * be unparseable and stop a whole backfill. The reader asks for URL-encoded keys and the SDK decodes them.
     */
    @Test
    void listing_asksForUrlEncodedKeys_andHandsThemBackDecoded() throws Exception {
        server.stubFor(get(urlPathEqualTo("/docs")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<Name>docs</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>"
                        + "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
                        + "<Contents><Key>bell%07ring.pdf</Key><Size>1</Size><ETag>&quot;e1&quot;</ETag></Contents>"
                        + "<Contents><Key>relat%C3%B3rios/Q3+r%C3%A9sum%C3%A9.pdf</Key><Size>2</Size>"
                        + "<ETag>&quot;e2&quot;</ETag></Contents>"
                        + "<Contents><Key>tab%09and%25percent</Key><Size>3</Size><ETag>&quot;e3&quot;</ETag></Contents>"
                        + "</ListBucketResult>")));

        ListObjectsV2Response page;
        try (R2ObjectReader reader = reader().build()) {
            page = reader.list("docs", "", "", "", 1000);
        }

        assertThat(server.getAllServeEvents().get(0).getRequest().queryParameter("encoding-type").firstValue())
                .isEqualTo("url");
        assertThat(page.contents()).extracting(S3Object::key)
                .containsExactly("bell\u0007ring.pdf", "relatórios/Q3 résumé.pdf", "tab\tand%percent");
    }
}
