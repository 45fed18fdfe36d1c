package ai.rootkey.connector.r2;

import ai.rootkey.connector.ConfigurationException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever the environment holds, reading it yields a valid configuration or a ConfigurationException. */
class R2ConnectorConfigProperties {
    static final List<String> VARIABLES = List.of("CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN",
            "CLOUDFLARE_API_BASE_URL", "R2_QUEUE_ID", "R2_DLQ_ID", "R2_BUCKET", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY",
            "R2_JURISDICTION", "R2_ENDPOINT", "R2_PREFIX", "ROOTKEY_API_URL", "ROOTKEY_API_KEY",
            "ROOTKEY_MAX_FILE_SIZE_BYTES", "ROOTKEY_ALLOW_INSECURE_LOOPBACK");
    static final List<String> SECRET_VARIABLES = List.of("CLOUDFLARE_API_TOKEN", "R2_SECRET_ACCESS_KEY",
            "ROOTKEY_API_KEY");

    @Property(seed = "2026112902")
    void anyStrings_yieldAConfigOrAConfigurationException(@ForAll("anyEnvironment") Map<String, String> env) {
        checkOutcome(env);
    }

    @Property(seed = "2026112903")
    void nearlyValidValues_yieldAConfigOrAConfigurationException(@ForAll("nearlyValidEnvironment") Map<String, String> env) {
        checkOutcome(env);
    }

    @Property(seed = "2026112904")
    void secrets_neverAppearInMessagesOrToString(@ForAll("nearlyValidEnvironment") Map<String, String> base,
                                                 @ForAll("secretValues") List<String> secrets) {
        Map<String, String> env = new HashMap<>(base);
        for (int i = 0; i < SECRET_VARIABLES.size(); i++) {
            env.put(SECRET_VARIABLES.get(i), secrets.get(i));
        }
        String text;
        try {
            text = R2ConnectorConfig.fromEnvironment(env).toString();
        } catch (ConfigurationException e) {
            text = e.getMessage();
        }
        for (String secret : secrets) {
            assertThat(text).doesNotContain(secret.strip());
        }
    }

    /** Valid, or failed with a ConfigurationException whose every line names the variable it is about. */
    private static void checkOutcome(Map<String, String> env) {
        try {
            R2ConnectorConfig config = R2ConnectorConfig.fromEnvironment(env);
            Statistics.collect("valid");
            assertThat(config.toString()).startsWith("R2ConnectorConfig[");
            assertThat(config.objectStoreEndpoint()).isNotNull();
        } catch (ConfigurationException e) {
            Statistics.collect("invalid");
            String[] lines = e.getMessage().split(System.lineSeparator());
            assertThat(lines.length).isGreaterThan(1);
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                assertThat(VARIABLES).as("a variable named in %s", line).anyMatch(line::contains);
            }
        }
    }

    @Provide
    Arbitrary<Map<String, String>> anyEnvironment() {
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(80),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(80));
        return Arbitraries.maps(Arbitraries.of(VARIABLES), values).ofMaxSize(VARIABLES.size());
    }

    /** Each variable mostly valid, sometimes garbled, unset, blank or random. */
    @Provide
    Arbitrary<Map<String, String>> nearlyValidEnvironment() {
        String unset = "\u0000unset";
        Map<String, Arbitrary<String>> valid = new HashMap<>();
        Map<String, Arbitrary<String>> garbled = new HashMap<>();
        valid.put("CLOUDFLARE_ACCOUNT_ID", hex(32));
        garbled.put("CLOUDFLARE_ACCOUNT_ID", Arbitraries.strings().withChars("0123456789abcdefA").ofMinLength(31).ofMaxLength(33));
        valid.put("CLOUDFLARE_API_TOKEN", Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40));
        garbled.put("CLOUDFLARE_API_TOKEN", Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40));
        valid.put("CLOUDFLARE_API_BASE_URL", Arbitraries.of("https://api.cloudflare.com/client/v4", "https://cf.internal"));
        garbled.put("CLOUDFLARE_API_BASE_URL", urls());
        valid.put("R2_QUEUE_ID", hex(32));
        garbled.put("R2_QUEUE_ID", Arbitraries.strings().withChars("0123456789abcdef-").ofMinLength(31).ofMaxLength(33));
        valid.put("R2_DLQ_ID", hex(32));
        garbled.put("R2_DLQ_ID", Arbitraries.strings().withChars("0123456789abcdefg").ofMinLength(1).ofMaxLength(33));
        valid.put("R2_BUCKET", Arbitraries.strings().withChars("abcz09").ofMinLength(3).ofMaxLength(63));
        garbled.put("R2_BUCKET", Arbitraries.strings().withChars("abcz09-_.A").ofMinLength(1).ofMaxLength(65));
        valid.put("R2_ACCESS_KEY_ID", Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40));
        garbled.put("R2_ACCESS_KEY_ID", Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40));
        valid.put("R2_SECRET_ACCESS_KEY", Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40));
        garbled.put("R2_SECRET_ACCESS_KEY", Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40));
        valid.put("R2_JURISDICTION", Arbitraries.of("eu", "fedramp", "us", "EU", unset, unset, unset, unset));
        garbled.put("R2_JURISDICTION", Arbitraries.of("asia", "e u", "\u0130", "eu\n"));
        valid.put("R2_ENDPOINT", Arbitraries.of("https://minio.internal:9000", "https://127.0.0.1:9000", unset, unset));
        garbled.put("R2_ENDPOINT", urls());
        valid.put("R2_PREFIX", Arbitraries.strings().all().ofMinLength(1).ofMaxLength(100));
        garbled.put("R2_PREFIX", Arbitraries.strings().all().ofMinLength(1000).ofMaxLength(1100));
        valid.put("ROOTKEY_API_URL", Arbitraries.of("https://api.rootkey.ai", "https://staging.rootkey.ai/"));
        garbled.put("ROOTKEY_API_URL", urls());
        valid.put("ROOTKEY_API_KEY", Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40));
        garbled.put("ROOTKEY_API_KEY", Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40));
        valid.put("ROOTKEY_MAX_FILE_SIZE_BYTES", Arbitraries.longs().between(1, 5_497_558_138_880L).map(String::valueOf));
        garbled.put("ROOTKEY_MAX_FILE_SIZE_BYTES", Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf), Arbitraries.strings().numeric().ofMaxLength(25),
                Arbitraries.of("12MB", "1e9", "0x10", "+5", "9999999999999999999", "\u0661\u0662\u0663")));
        valid.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", Arbitraries.of("true", "false", "TRUE"));
        garbled.put("ROOTKEY_ALLOW_INSECURE_LOOPBACK", Arbitraries.of("yes", "1", "on"));
        List<Arbitrary<Map.Entry<String, String>>> entries = VARIABLES.stream()
                .map(name -> Arbitraries.frequencyOf(
                                Tuple.of(40, valid.get(name)),
                                Tuple.of(2, garbled.get(name)),
                                Tuple.of(1, Arbitraries.just(unset)),
                                Tuple.of(1, Arbitraries.of("", " ", "\t\n")),
                                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(30)))
                        .map(value -> Map.entry(name, value)))
                .toList();
        return Combinators.combine(entries).as(list -> {
            Map<String, String> env = new HashMap<>();
            list.stream().filter(e -> !e.getValue().equals(unset)).forEach(e -> env.put(e.getKey(), e.getValue()));
            return env;
        });
    }

    @Provide
    Arbitrary<List<String>> secretValues() {
        return Arbitraries.strings().alpha().numeric().ofMinLength(12).ofMaxLength(30)
                .map(s -> "S3CR3T-" + s)
                .list().ofSize(SECRET_VARIABLES.size())
                .map(list -> list.stream().map(s -> s.hashCode() % 3 == 0 ? s + "\n" : s).toList());
    }

    private static Arbitrary<String> hex(int length) {
        return Arbitraries.strings().withChars("0123456789abcdef").ofLength(length);
    }

    private static Arbitrary<String> urls() {
        Arbitrary<String> scheme = Arbitraries.of("https://", "http://", "ftp://", "", "https:", "HTTPS://");
        Arbitrary<String> host = Arbitraries.of("localhost", "127.0.0.1", "127.9.9.9", "[::1]", "example.com",
                "10.0.0.1", "user:pw@host", "exa mple.com", "[::2]", "", "256.0.0.1", "localhost.example.com");
        Arbitrary<String> port = Arbitraries.of("", ":8080", ":0", ":99999", ":x");
        Arbitrary<String> rest = Arbitraries.of("", "/", "/client/v4", "?q=1", "#f", "/%zz", "/a b");
        return Combinators.combine(scheme, host, port, rest).as((s, h, p, r) -> s + h + p + r);
    }
}
