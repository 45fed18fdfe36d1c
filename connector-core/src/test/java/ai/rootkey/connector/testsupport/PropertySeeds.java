package ai.rootkey.connector.testsupport;

import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The project's rule for property tests, registered for every jqwik property of every module that has this test jar
 * on its test classpath (a {@code META-INF/services} entry).
 *
 * <ul>
 *   <li>In {@code mvn verify} every property runs on the fixed seed written next to it ({@code @Property(seed =
 *       "...")}), so the build is deterministic; a property without one fails and says so.</li>
 *   <li>With {@code -Dexplore=true} (the {@code explore} Maven profile sets it) the same properties run on random
 *       seeds with {@code explore.factor} times their tries (default 20), to look for new failures. jqwik prints the
 *       seed of any failure; keep it as an {@code @Example} or as the property's new fixed seed.</li>
 * </ul>
 */
public final class PropertySeeds implements AroundPropertyHook {
    /** The system property that switches to random seeds. */
    public static final String EXPLORE = "explore";
    /** The system property that multiplies the tries when exploring. */
    public static final String FACTOR = "explore.factor";
    private static final int JQWIK_DEFAULT_TRIES = 1000;

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        if (context.targetMethod().isAnnotationPresent(Example.class)) {
            return property.execute(); // an example generates nothing: no seed to fix
        }
        if (Boolean.getBoolean(EXPLORE)) {
            int tries = context.attributes().tries().filter(t -> t > 0).orElse(JQWIK_DEFAULT_TRIES);
            context.attributes().setTries(Math.multiplyExact(tries, Integer.getInteger(FACTOR, 20)));
            context.attributes().setSeed(Property.SEED_NOT_SET);
        } else if (context.attributes().seed().filter(s -> !s.isEmpty()).isEmpty()) {
            throw new AssertionError("property " + context.extendedLabel() + " has no fixed seed: add "
                    + "@Property(seed = \"...\") so that mvn verify is deterministic (random seeds belong to -Pexplore)");
        }
        return property.execute();
    }

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public int aroundPropertyProximity() {
        return -100; // outermost: the attributes are set before jqwik reads them
    }
}
