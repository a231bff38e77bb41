package io.batchdiffusion.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ScoreChartTest {

    static List<ReportRow> sweepRows() {
        List<ReportRow> rows = new ArrayList<>();
        String[] categories = {"colour", "position"};
        for (int p = 0; p < 4; p++) {
            for (long seed = 0; seed < 3; seed++) {
                for (double g : new double[] {1.5, 3, 5, 7.5}) {
                    float score = (float) (20 + p + g - 0.08 * g * g + seed * 0.7);
                    rows.add(new ReportRow(
                            "p" + p,
                            "prompt " + p,
                            categories[p % 2],
                            seed,
                            g,
                            20,
                            null,
                            64,
                            64,
                            "OK",
                            null,
                            "mem:" + p,
                            score));
                }
            }
        }
        return rows;
    }

    @Test
    void curvesHaveOneLineOverAllPromptsAndOnePerCategoryWithTheirIntervals() {
        Map<String, SortedMap<Double, ScoreStats>> curves = ScoreCurves.of(sweepRows());
        assertThat(curves.keySet()).containsExactly("all prompts", "colour", "position");
        assertThat(curves.get("all prompts").keySet()).containsExactly(1.5, 3.0, 5.0, 7.5);
        assertThat(curves.get("all prompts").get(3.0).n()).isEqualTo(12);
        assertThat(curves.get("colour").get(3.0).n()).isEqualTo(6);
        assertThat(ScoreCurves.drawable(curves)).isTrue();
    }

    @Test
    void theChartIsAPngAtTwiceItsPageSize() throws Exception {
        byte[] png = ScoreChart.png(ScoreCurves.of(sweepRows()));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(2 * ScoreChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(2 * ScoreChart.HEIGHT);
        java.nio.file.Files.write(java.nio.file.Path.of("target/score-chart-test.png"), png);
    }

    @Test
    void ticksFallOnRoundNumbers() {
        assertThat(ScoreChart.niceUnit(0.8)).isEqualTo(1.0);
        assertThat(ScoreChart.niceUnit(0.21)).isEqualTo(0.25);
        assertThat(ScoreChart.niceUnit(3.3)).isEqualTo(5.0);
        assertThat(ScoreChart.niceUnit(12)).isEqualTo(20.0);
    }
}
