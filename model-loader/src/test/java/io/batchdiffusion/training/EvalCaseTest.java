package io.batchdiffusion.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.datasets.shapes.NamedColour;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalCaseTest {

    @Test
    void theTrueImagesOfHeldOutCaptionsAreJudgedRight() {
        List<EvalCase> cases = ShapesEval.cases(42, 8);
        for (EvalCase c : cases) {
            EvalCase.Judgement j = c.judge(c.scene().rgb(), 32, 32);
            assertThat(j.colourRight()).as(c.caption()).isTrue();
            assertThat(j.shapeRight()).as(c.caption()).isTrue();
        }
    }

    @Test
    void anImageOfAnotherColourOrShapeIsJudgedWrong() {
        List<EvalCase> cases = ShapesEval.cases(42, 40);
        EvalCase c = cases.get(0);
        ShapeScene other = cases.stream()
                .map(EvalCase::scene)
                .filter(s -> s.shape().colour() != c.scene().shape().colour()
                        && s.shape().kind() != c.scene().shape().kind())
                .findFirst()
                .orElseThrow();
        EvalCase.Judgement j = c.judge(other.rgb(), 32, 32);
        assertThat(j.colourRight()).isFalse();
        assertThat(j.shapeRight()).isFalse();
        EvalCase.Judgement blank = c.judge(new byte[32 * 32 * 3], 32, 32);
        assertThat(blank.colourRight()).isFalse();
    }

    @Test
    void mismatchedAndSwappedCaptionsNameAnotherShapeColour() {
        for (EvalCase c : ShapesEval.cases(42, 30)) {
            NamedColour colour = c.scene().shape().colour();
            String phrase = colour.word() + " " + c.scene().shape().kind().word();
            assertThat(c.caption()).contains(phrase);
            assertThat(c.colourSwapped())
                    .doesNotContain(phrase)
                    .contains(c.scene().background().word() + " background");
            assertThat(c.shapeSwapped())
                    .doesNotContain(phrase)
                    .contains(colour.word() + " ")
                    .contains(c.scene().background().word() + " background");
            assertThat(c.mismatched())
                    .doesNotContain(colour.word() + " circle", colour.word() + " square", colour.word() + " triangle");
        }
        assertThat(ShapesEval.cases(42, 240))
                .extracting(c -> c.scene().shape().on(c.scene().background()))
                .allMatch(ShapesDataset.heldOut(42).combinations()::isHeldOut);
    }
}
