package ai.rootkey.connector.testsupport;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/**
 * The architecture every module keeps, checked on the module's own compiled classes in {@code mvn verify}:
 * <ol>
 *   <li>No API signature mentions an internal type: a public class outside an {@code internal} package exposes no
 *       {@code internal} type through its supertypes or its public and protected fields, constructors and methods
 *       (parameters, results, generic arguments, {@code throws}).</li>
 *   <li>No module reaches another module's {@code internal} package: a class (main or test) may depend on an
 *       {@code internal} package only if that package is the module's own.</li>
 *   <li>Exceptions users must catch are API types: no public {@link Throwable} is declared in an {@code internal}
 *       package. One that is not public can only be thrown and caught inside its package (an HTTP fake turning a
 *       bad request into a 400, say); rule 1 keeps internal types out of every API {@code throws} clause.</li>
 *   <li>For {@code connector-core} only: it depends on nothing but the JDK, the SLF4J API and itself.</li>
 * </ol>
 * A module's test calls {@link #assertModule(Path)} with its base directory. The classes are read from
 * {@code target/classes} and {@code target/test-classes}, so the rules see exactly what this module compiled.
 */
public final class ArchitectureRules {
    private static final String CORE_PACKAGE = "ai.rootkey.connector";

    private ArchitectureRules() {
    }

    /** Runs every rule on the module at {@code basedir}; throws an {@link AssertionError} listing each violation. */
    public static void assertModule(Path basedir) {
        List<String> violations = check(basedir);
        if (!violations.isEmpty()) {
            throw new AssertionError("architecture rules broken in " + basedir.toAbsolutePath().normalize() + ":\n  "
                    + String.join("\n  ", violations));
        }
    }

    /** The violations of every rule in the module at {@code basedir}, empty when it keeps them all. */
    public static List<String> check(Path basedir) {
        JavaClasses main = importFrom(basedir.resolve("target/classes"));
        JavaClasses all = importFrom(basedir.resolve("target/classes"), basedir.resolve("target/test-classes"));
        if (all.isEmpty()) {
            throw new IllegalStateException("no compiled classes under " + basedir.resolve("target")
                    + ": run the rules after compile, from the module's directory");
        }
        Set<String> ownPackages = all.stream().map(JavaClass::getPackageName)
                .collect(Collectors.toCollection(TreeSet::new));
        List<ArchRule> mainRules = new ArrayList<>(List.of(apiMentionsNoInternalType(), noInternalThrowable()));
        if (isCore(main)) {
            mainRules.add(coreDependsOnNothingVendorSpecific());
        }
        List<String> violations = new ArrayList<>();
        for (ArchRule rule : mainRules) {
            if (!main.isEmpty()) { // a module of tests only (connector-it) has no API
                collect(rule.evaluate(main), violations);
            }
        }
        collect(reachesNoOtherInternal(ownPackages).evaluate(all), violations);
        return violations;
    }

    /** Rule 1. */
    public static ArchRule apiMentionsNoInternalType() {
        return classes().that().areNotAnonymousClasses()
                .should(new ArchCondition<JavaClass>("expose no internal type in an API signature") {
                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        if (!isApi(type)) {
                            return;
                        }
                        Set<String> leaks = new LinkedHashSet<>();
                        type.getRawSuperclass().ifPresent(s -> leaks(type.getName() + " extends", rawTypes(
                                type.getSuperclass().orElseThrow()), leaks));
                        for (JavaType iface : type.getInterfaces()) {
                            leaks(type.getName() + " implements", rawTypes(iface), leaks);
                        }
                        for (JavaField field : type.getFields()) {
                            if (exposed(field)) {
                                leaks(field.getFullName(), rawTypes(field.getType()), leaks);
                            }
                        }
                        for (JavaCodeUnit unit : type.getCodeUnits()) {
                            if (!exposed(unit)) {
                                continue;
                            }
                            Set<JavaClass> involved = new LinkedHashSet<>(rawTypes(unit.getReturnType()));
                            unit.getParameterTypes().forEach(p -> involved.addAll(rawTypes(p)));
                            involved.addAll(unit.getThrowsClause().getTypes());
                            leaks(unit.getFullName(), involved, leaks);
                        }
                        for (String leak : leaks) {
                            events.add(SimpleConditionEvent.violated(type, leak));
                        }
                    }
                });
    }

    /** Rule 2: {@code ownPackages} are the packages of the module's own classes. */
    public static ArchRule reachesNoOtherInternal(Set<String> ownPackages) {
        return classes().should(new ArchCondition<JavaClass>("reach no other module's internal package") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (Dependency d : type.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getPackageName();
                    if (isInternal(target) && !ownPackages.contains(target)) {
                        events.add(SimpleConditionEvent.violated(type, d.getDescription()
                                + " reaches another module's internal package " + target));
                    }
                }
            }
        });
    }

    /** Rule 3. */
    public static ArchRule noInternalThrowable() {
        return classes().that().areAssignableTo(Throwable.class)
                .should(new ArchCondition<JavaClass>("live in an API package") {
                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        if (isInternal(type.getPackageName()) && type.getModifiers().contains(JavaModifier.PUBLIC)) {
                            events.add(SimpleConditionEvent.violated(type, type.getName() + " is a public "
                                    + "Throwable in an internal package: callers would have to catch a type they "
                                    + "cannot import; throw an API exception, or keep it inside its package"));
                        }
                    }
                }).allowEmptyShould(true);
    }

    /** Rule 4. */
    public static ArchRule coreDependsOnNothingVendorSpecific() {
        return classes().should(new ArchCondition<JavaClass>("depend only on the JDK, the SLF4J API and core") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (Dependency d : type.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getPackageName();
                    boolean allowed = target.startsWith("java.") || target.startsWith("javax.")
                            || target.startsWith("org.slf4j") || target.equals(CORE_PACKAGE)
                            || target.equals(CORE_PACKAGE + ".internal") || target.isEmpty();
                    if (!allowed) {
                        events.add(SimpleConditionEvent.violated(type, d.getDescription()
                                + " is outside the JDK, SLF4J and core"));
                    }
                }
            }
        });
    }

    private static JavaClasses importFrom(Path... dirs) {
        List<Path> existing = Arrays.stream(dirs).filter(Files::isDirectory).collect(Collectors.toList());
        return new ClassFileImporter().importPaths(existing);
    }

    private static boolean isCore(JavaClasses main) {
        return main.contain(CORE_PACKAGE + ".Connector");
    }

    private static void collect(EvaluationResult result, List<String> into) {
        into.addAll(result.getFailureReport().getDetails());
    }

    static boolean isInternal(String packageName) {
        return Arrays.asList(packageName.split("\\.")).contains("internal");
    }

    /** A class users can see: public, in an API package, and (when nested) inside public classes only. */
    private static boolean isApi(JavaClass type) {
        if (isInternal(type.getPackageName())) {
            return false;
        }
        for (JavaClass c = type; c != null; c = c.getEnclosingClass().orElse(null)) {
            if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return true;
    }

    private static boolean exposed(JavaMember member) {
        Set<JavaModifier> m = member.getModifiers();
        return m.contains(JavaModifier.PUBLIC)
                || (m.contains(JavaModifier.PROTECTED) && !member.getOwner().getModifiers().contains(JavaModifier.FINAL));
    }

    private static Set<JavaClass> rawTypes(JavaType type) {
        return type.getAllInvolvedRawTypes();
    }

    private static void leaks(String where, Set<JavaClass> involved, Set<String> into) {
        for (JavaClass c : involved) {
            JavaClass base = c.isArray() ? c.getBaseComponentType() : c;
            if (isInternal(base.getPackageName())) {
                into.add(where + " mentions internal type " + base.getName());
            }
        }
    }
}
