package io.batchdiffusion.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SortedMap;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The CLIP-score-versus-guidance chart, drawn with JFreeChart: per curve the mean at each guidance
 * scale as a line with points and its 95% confidence interval as a shaded band, as the Stable
 * Diffusion model cards plot it.
 */
final class ScoreChart {

    static final int WIDTH = 960;
    static final int HEIGHT = 540;

    /** Okabe-Ito colours (safe for colour-blind readers); the all-prompts curve is black. */
    private static final Color[] PALETTE = {
        new Color(0x000000), new Color(0xE69F00), new Color(0x56B4E9), new Color(0x009E73),
        new Color(0x0072B2), new Color(0xD55E00), new Color(0xCC79A7), new Color(0x999999)
    };

    private ScoreChart() {}

    /** The chart as a PNG of {@link #WIDTH} x {@link #HEIGHT} CSS pixels, stored at twice that for sharp screens. */
    static byte[] png(Map<String, SortedMap<Double, ScoreStats>> curves) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        curves.forEach((name, points) -> {
            YIntervalSeries series = new YIntervalSeries(name);
            points.forEach((guidance, stats) -> series.add(guidance, stats.mean(), stats.low(), stats.high()));
            data.addSeries(series);
        });
        DeviationRenderer renderer = new DeviationRenderer(true, true);
        renderer.setAlpha(0.12f);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            Color colour = PALETTE[i % PALETTE.length];
            renderer.setSeriesPaint(i, colour);
            renderer.setSeriesFillPaint(i, colour);
            boolean all = data.getSeriesKey(i).toString().startsWith(ScoreCurves.ALL);
            renderer.setSeriesStroke(
                    i,
                    all
                            ? new BasicStroke(
                                    2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 5f}, 0f)
                            : new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        NumberAxis guidance = new NumberAxis("guidance scale");
        guidance.setAutoRangeIncludesZero(false);
        NumberAxis score = new NumberAxis("CLIP score (mean, 95% CI)");
        score.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, guidance, score, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlineVisible(false);

        JFreeChart chart = new JFreeChart(null, new Font(Font.SANS_SERIF, Font.PLAIN, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeScaledChartAsPNG(out, chart, WIDTH, HEIGHT, 2, 2);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the score chart", e);
        }
    }
}
