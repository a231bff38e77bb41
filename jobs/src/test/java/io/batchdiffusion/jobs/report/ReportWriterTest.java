package io.batchdiffusion.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.batchdiffusion.jobs.JobOptions;
import io.batchdiffusion.jobs.ModelDescriptor;
import io.batchdiffusion.jobs.RunSummary;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from plain rows, without Spark: files, links and the page's content. */
class ReportWriterTest {

    @TempDir
    Path dir;

    private List<ReportRow> rowsWithImages() throws Exception {
        Path images = Files.createDirectories(dir.resolve("run/images"));
        List<ReportRow> rows = new ArrayList<>();
        for (ReportRow r : ScoreChartTest.sweepRows()) {
            Path image = images.resolve(r.rowId() + "-" + r.seed() + "-" + r.guidance() + ".png");
            BufferedImage pixels = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            pixels.setRGB(0, 0, Color.ORANGE.getRGB());
            ImageIO.write(pixels, "png", image.toFile());
            boolean failed = r.rowId().equals("p1") && r.seed() == 2 && r.guidance() == 5.0;
            rows.add(new ReportRow(
                    r.rowId(),
                    r.prompt() + " <b>&",
                    r.category(),
                    r.seed(),
                    r.guidance(),
                    r.steps(),
                    r.scheduler(),
                    r.width(),
                    r.height(),
                    failed ? "FAILED" : "OK",
                    failed ? "boom" : null,
                    failed ? null : image.toUri().toString(),
                    failed ? null : r.clipScore()));
        }
        return rows;
    }

    @Test
    void aSweepGetsAPageAChartAndASheetPerPromptWithRelativeLinksOnly() throws Exception {
        List<ReportRow> rows = rowsWithImages();
        String runRoot = dir.resolve("run").toUri().toString();
        JobOptions options = JobOptions.parse(
                "--catalogue",
                "c.parquet",
                "--output",
                dir.toUri().toString(),
                "--model",
                "m",
                "--run-id",
                "run",
                "--seeds",
                "0-2",
                "--guidance",
                "1.5,3,5,7.5");
        ModelDescriptor model = new ModelDescriptor("m", Map.of("unet/x", "ab"), "f".repeat(64));
        RunSummary summary = new RunSummary(
                "run",
                runRoot,
                rows.size(),
                rows.size(),
                Map.of("OK", 47L, "FAILED", 1L),
                24.0,
                47,
                0,
                12,
                1,
                0,
                0,
                60_000,
                model,
                null);

        String index = SweepReport.write(rows, summary, options, new ReportStore(runRoot, new Configuration()));

        Path report = dir.resolve("run/report");
        assertThat(index).endsWith("/run/report/index.html");
        assertThat(report.resolve("chart.png")).exists();
        String html = Files.readString(report.resolve("index.html"));
        for (PromptSheet sheet : PromptSheet.group(rows)) {
            assertThat(report.resolve(sheet.fileName())).exists();
            assertThat(html).contains("src=\"" + sheet.fileName() + "\"");
        }
        assertThat(html)
                .contains("src=\"chart.png\"", "f".repeat(64), "FAILED 1", "0.783 (47 rendered", "boom")
                .contains("prompt 0 &lt;b&gt;&amp;")
                .doesNotContain("<script", "http:", "https:", "file:", "<link");
        // highest first: p3 has the highest scores, p0 the lowest
        assertThat(html.indexOf("id=\"highest\"")).isLessThan(html.indexOf("p3 · "));
        assertThat(html.substring(html.indexOf("id=\"lowest\"")))
                .startsWith(
                        "id=\"lowest\">\n<h2>Lowest mean CLIP score</h2>\n<div class=\"sheets\">\n<figure class=\"sheet\"><a href=\"sheets/p0-");
    }
}
