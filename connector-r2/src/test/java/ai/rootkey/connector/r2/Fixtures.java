package ai.rootkey.connector.r2;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire-contract samples of the repository's {@code fixtures/} folder, on the test classpath. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The text of {@code fixtures/NAME}. */
    public static String read(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture %s on the test classpath", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
