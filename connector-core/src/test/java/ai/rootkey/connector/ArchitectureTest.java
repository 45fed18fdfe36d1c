package ai.rootkey.connector;

import ai.rootkey.connector.testsupport.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** The module keeps the architecture rules (see {@link ArchitectureRules}). */
class ArchitectureTest {
    @Test
    void keepsTheArchitectureRules() {
        ArchitectureRules.assertModule(Path.of(""));
    }
}
