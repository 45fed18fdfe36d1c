package ai.rootkey.connector.testsupport.archfixture;

import ai.rootkey.connector.testsupport.archfixture.internal.Hidden;
import ai.rootkey.connector.testsupport.archfixture.internal.HiddenFailure;

import java.util.List;

/** An API class that leaks internal types, for {@code ArchitectureRulesTest}. */
public final class Leaky {
    public List<Hidden> all() {
        return List.of();
    }

    public void run() throws HiddenFailure {
    }

    /** Package-private: not part of the API, so not a leak. */
    Hidden quiet() {
        return new Hidden();
    }
}
