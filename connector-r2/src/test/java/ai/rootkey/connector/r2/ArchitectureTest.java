package ai.rootkey.connector.r2;

import ai.rootkey.connector.testsupport.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** This module keeps the architecture rules (see {@link ArchitectureRules}). */
class ArchitectureTest {
    @Test
    void keepsTheArchitectureRules() {
        ArchitectureRules.assertModule(Path.of(""));
    }
}
