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
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.Range;
import org.jfree.data.general.DatasetUtils;
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

    /** An axis over [low, high] (not below {@code floor}) with a little room and about eight round ticks. */
    private static NumberAxis axis(String label, double low, double high, double floor) {
        if (!(high > low)) {
            double half = Math.max(0.5, Math.abs(high) * 0.1);
            low -= half;
            high += half;
        }
        double pad = (high - low) * 0.05;
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(Math.max(floor, low - pad), high + pad);
        axis.setTickUnit(new NumberTickUnit(niceUnit((high - low) / 8)));
        return axis;
    }

    /** The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least {@code raw}. */
    static double niceUnit(double raw) {
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= raw) {
                return step * power;
            }
        }
        return 10 * power;
    }

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
            renderer.setSeriesFillPaint(i, colour.equals(Color.BLACK) ? new Color(0x888888) : colour);
            boolean all = data.getSeriesKey(i).toString().startsWith(ScoreCurves.ALL);
            renderer.setSeriesStroke(
                    i,
                    all
                            ? new BasicStroke(
                                    2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 5f}, 0f)
                            : new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        Range x = DatasetUtils.findDomainBounds(data, false);
        Range y = DatasetUtils.findRangeBounds(data, true);
        NumberAxis guidance = axis("guidance scale", x.getLowerBound(), x.getUpperBound(), Double.NEGATIVE_INFINITY);
        // CLIP scores are never negative: a band reaching below zero is cut at the axis.
        NumberAxis score = axis("CLIP score (mean, 95% CI)", y.getLowerBound(), y.getUpperBound(), 0);
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
