package ai.rootkey.connector.testsupport.archfixture.other;

import ai.rootkey.connector.testsupport.archfixture.internal.Hidden;

/** Another "module" that reaches into the fixture's internal package, for {@code ArchitectureRulesTest}. */
public final class Reacher {
    public String reach() {
        return new Hidden().toString();
    }
}
