package ai.rootkey.connector.testsupport;

import ai.rootkey.connector.testsupport.archfixture.Clean;
import ai.rootkey.connector.testsupport.archfixture.Leaky;
import ai.rootkey.connector.testsupport.archfixture.internal.Hidden;
import ai.rootkey.connector.testsupport.archfixture.internal.HiddenFailure;
import ai.rootkey.connector.testsupport.archfixture.other.Reacher;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The rules catch what they are for, on fixture classes made to break them. */
class ArchitectureRulesTest {
    private final JavaClasses fixture = new ClassFileImporter().importClasses(Leaky.class, Clean.class, Hidden.class,
            HiddenFailure.class, Reacher.class);

    @Test
    void anApiSignatureMentioningAnInternalTypeIsCaught() {
        EvaluationResult result = ArchitectureRules.apiMentionsNoInternalType().evaluate(fixture);

        assertThat(result.getFailureReport().getDetails())
                .anySatisfy(d -> assertThat(d).contains("Leaky.all()").contains("Hidden"))
                .anySatisfy(d -> assertThat(d).contains("Leaky.run()").contains("HiddenFailure"))
                .noneSatisfy(d -> assertThat(d).contains("quiet"))
                .noneSatisfy(d -> assertThat(d).contains("Clean"));
    }

    @Test
    void reachingAnotherModulesInternalPackageIsCaughtButYourOwnIsNot() {
        String internal = Hidden.class.getPackageName();
        String api = Leaky.class.getPackageName();

        EvaluationResult foreign = ArchitectureRules.reachesNoOtherInternal(Set.of(api)).evaluate(fixture);
        EvaluationResult own = ArchitectureRules.reachesNoOtherInternal(Set.of(api, internal)).evaluate(fixture);

        assertThat(foreign.getFailureReport().getDetails())
                .anySatisfy(d -> assertThat(d).contains("Reacher").contains("reaches another module's internal"));
        assertThat(own.hasViolation()).isFalse();
    }

    @Test
    void aThrowableInAnInternalPackageIsCaught() {
        assertThat(ArchitectureRules.noInternalThrowable().evaluate(fixture).getFailureReport().getDetails())
                .singleElement().asString().contains("HiddenFailure");
    }

    @Test
    void coreMayNotDependOnAVendor() {
        JavaClasses vendorUser = new ClassFileImporter().importClasses(ArchitectureRules.class);

        assertThat(ArchitectureRules.coreDependsOnNothingVendorSpecific().evaluate(vendorUser).getFailureReport()
                .getDetails()).anySatisfy(d -> assertThat(d).contains("com.tngtech.archunit"));
    }
}
