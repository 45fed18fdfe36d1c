package ai.rootkey.connector.testsupport.archfixture.internal;

/** An internal type, for {@code ArchitectureRulesTest}. */
public final class Hidden {
}
