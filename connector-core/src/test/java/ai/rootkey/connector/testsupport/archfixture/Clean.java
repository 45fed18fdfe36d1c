package ai.rootkey.connector.testsupport.archfixture;

import ai.rootkey.connector.testsupport.archfixture.internal.Hidden;

/** An API class that uses an internal type inside only, for {@code ArchitectureRulesTest}. */
public final class Clean {
    private final Hidden hidden = new Hidden();

    public String name() {
        return hidden.toString();
    }
}
