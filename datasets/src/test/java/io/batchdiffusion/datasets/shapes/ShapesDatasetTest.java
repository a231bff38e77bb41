package io.batchdiffusion.datasets.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapesDatasetTest {

    @Test
    void theSameSeedAndIndexGiveTheSameSceneAndAnotherSeedAnother() {
        ShapeScene a = ShapesDataset.train(42).scene(17);
        ShapeScene b = ShapesDataset.train(42).scene(17);
        assertThat(b.caption()).isEqualTo(a.caption());
        assertThat(b.rgb()).isEqualTo(a.rgb());
        assertThat(b.shapes()).isEqualTo(a.shapes());
        List<ShapeScene> other = ShapesDataset.train(43).scenes(0, 20);
        List<ShapeScene> same = ShapesDataset.train(42).scenes(0, 20);
        assertThat(other)
                .extracting(ShapeScene::caption)
                .isNotEqualTo(same.stream().map(ShapeScene::caption).toList());
    }

    @Test
    void trainingNeverShowsAHeldOutCombinationAndTheHeldOutSplitShowsOnlyThose() {
        ShapesDataset train = ShapesDataset.train(7);
        ShapesDataset held = ShapesDataset.heldOut(7);
        ShapesSplit split = train.combinations();
        assertThat(split.heldOut()).hasSize(24);
        Set<Combination> seenInTraining = new HashSet<>();
        for (ShapeScene s : train.scenes(0, 3000)) {
            for (ShapeSpec shape : s.shapes()) {
                assertThat(split.isHeldOut(shape.on(s.background()))).isFalse();
                seenInTraining.add(shape.on(s.background()));
            }
        }
        for (ShapeScene s : held.scenes(0, 300)) {
            assertThat(s.shapes()).hasSize(1);
            assertThat(split.isHeldOut(s.shape().on(s.background()))).isTrue();
            assertThat(s.caption()).contains(s.background().word() + " background");
        }
        // every colour-shape pair and every background is still trained, just not in those combinations
        assertThat(seenInTraining).hasSize(8 * 3 * 7 - 24);
    }

    @Test
    void captionsNameTheShapeItsColourAndWhatTheTemplateMentions() {
        Set<ShapeKind> kinds = EnumSet.noneOf(ShapeKind.class);
        Set<String> starts = new HashSet<>();
        for (ShapeScene s : ShapesDataset.train(1).scenes(0, 500)) {
            for (ShapeSpec shape : s.shapes()) {
                assertThat(s.caption())
                        .contains(shape.colour().word() + " " + shape.kind().word());
                kinds.add(shape.kind());
            }
            assertThat(s.caption()).doesNotContain("a orange", "a purple background with a orange");
            starts.add(s.caption().split(" ")[1]);
        }
        assertThat(kinds).containsExactlyInAnyOrder(ShapeKind.values());
        assertThat(ShapesDataset.train(1).scenes(0, 500))
                .extracting(ShapeScene::caption)
                .anyMatch(c -> c.contains("in the top left corner"))
                .anyMatch(c -> c.contains(" and a"))
                .anyMatch(c -> c.startsWith("a small") || c.startsWith("a large"))
                .anyMatch(c -> !c.contains("background"));
    }

    @Test
    void scenesAreDrawnOnTheirBackgroundWithEveryShapeInside() {
        for (ShapeScene s : ShapesDataset.train(3).scenes(0, 200)) {
            assertThat(s.rgb()).hasSize(32 * 32 * 3);
            ShapeReading reading = ShapeReader.read(s.rgb(), s.width(), s.height());
            assertThat(reading.background()).as(s.caption()).isEqualTo(s.background());
            for (ShapeSpec shape : s.shapes()) {
                int left = shape.centerX() - shape.extent() / 2;
                int top = shape.centerY() - shape.extent() / 2;
                assertThat(left).isGreaterThanOrEqualTo(0);
                assertThat(top).isGreaterThanOrEqualTo(0);
                assertThat(left + shape.extent()).isLessThanOrEqualTo(32);
                assertThat(top + shape.extent()).isLessThanOrEqualTo(32);
            }
        }
    }

    @Test
    void aShapeTwinChangesOnlyTheShapeAndNeverLeavesItsSplit() {
        ShapesDataset train = ShapesDataset.train(42);
        int twins = 0;
        int refused = 0;
        for (ShapeScene scene : train.scenes(0, 300)) {
            for (ShapeKind kind : ShapeKind.values()) {
                if (kind == scene.shape().kind()) {
                    continue;
                }
                var twin = train.withShapeKind(scene, kind);
                if (twin.isEmpty()) {
                    assertThat(train.combinations()
                                    .isTraining(
                                            scene.background(),
                                            List.of(new ShapeSpec(
                                                    kind,
                                                    scene.shape().colour(),
                                                    scene.shape().size(),
                                                    scene.shape().placement(),
                                                    scene.shape().centerX(),
                                                    scene.shape().centerY(),
                                                    scene.shape().extent()))))
                            .isFalse();
                    refused++;
                    continue;
                }
                ShapeScene t = twin.get();
                twins++;
                assertThat(train.combinations().isTraining(t.background(), t.shapes()))
                        .isTrue();
                assertThat(t.shape().kind()).isEqualTo(kind);
                assertThat(t.shape().colour()).isEqualTo(scene.shape().colour());
                assertThat(t.background()).isEqualTo(scene.background());
                assertThat(t.shapes().subList(1, t.shapes().size()))
                        .isEqualTo(scene.shapes().subList(1, scene.shapes().size()));
                assertThat(t.caption()).contains(kind.word());
                assertThat(t.rgb()).isNotEqualTo(scene.rgb());
                assertThat(train.withShapeKind(scene, kind).get().rgb()).isEqualTo(t.rgb());
            }
        }
        assertThat(twins).isGreaterThan(400);
        assertThat(refused).isPositive();
    }
}
