package ai.rootkey.connector.testsupport.archfixture.internal;

/** An exception in an internal package, for {@code ArchitectureRulesTest}. */
public final class HiddenFailure extends RuntimeException {
    public HiddenFailure(String message) {
        super(message);
    }
}
