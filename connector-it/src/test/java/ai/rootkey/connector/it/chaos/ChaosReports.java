package ai.rootkey.connector.it.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Prints a chaos run's figures and keeps them under {@code target/chaos/} for the record. */
final class ChaosReports {
    private ChaosReports() {
    }

    static void print(String suite, ChaosInvariants.Report report) {
        String text = report.figuresText();
        System.out.println(text);
        try {
            Path dir = Path.of("target", "chaos");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(suite + ".txt"), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chaos figures", e);
        }
    }
}
