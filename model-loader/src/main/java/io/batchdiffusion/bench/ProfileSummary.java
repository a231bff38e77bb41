package io.batchdiffusion.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchdiffusion.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The top operators of a PyTorch profiler trace (the chrome-trace list {@code JniUtils.stopProfile}
 * writes) by self time: an event's duration less that of the events nested directly inside it on the
 * same thread, so {@code aten::linear} is not counted again as its {@code aten::addmm}.
 */
final class ProfileSummary {

    private static final int TOP = 15;

    /**
     * The operators that do the arithmetic {@link FlopCount} counts: oneDNN and PyTorch convolutions, MKL's
     * products and PyTorch's fused attention. Everything else (norms, activations, copies) is overhead to them.
     */
    static final Set<String> MATRIX_OPERATORS = Set.of(
            "aten::mkldnn_convolution",
            "aten::_slow_conv2d_forward",
            "aten::_nnpack_spatial_convolution",
            "aten::mm",
            "aten::addmm",
            "aten::bmm",
            "aten::baddbmm",
            "aten::_scaled_dot_product_flash_attention_for_cpu");

    private record Event(String name, long thread, double start, double duration) {
        double end() {
            return start + duration;
        }
    }

    /** Self milliseconds and call count of one operator. */
    record OpTime(String name, double selfMs, int calls) {}

    private ProfileSummary() {}

    static List<OpTime> selfTimes(Path trace) {
        JsonNode root;
        try {
            root = ConfigLoader.mapper().readTree(trace.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + trace, e);
        }
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<Long, List<Event>> byThread = new HashMap<>();
        for (JsonNode e : events) {
            if ("X".equals(e.path("ph").asText())) {
                Event event = new Event(
                        e.path("name").asText(),
                        e.path("tid").asLong(),
                        e.path("ts").asDouble(),
                        e.path("dur").asDouble());
                byThread.computeIfAbsent(event.thread(), t -> new ArrayList<>()).add(event);
            }
        }
        Map<String, double[]> totals = new LinkedHashMap<>();
        for (List<Event> thread : byThread.values()) {
            accumulate(thread, totals);
        }
        List<OpTime> ops = new ArrayList<>();
        totals.forEach((name, t) -> ops.add(new OpTime(name, t[0] / 1000, (int) t[1])));
        ops.sort(Comparator.comparingDouble(OpTime::selfMs).reversed());
        return ops;
    }

    /** Walks one thread's events in start order with a stack of open parents, charging children's time to them. */
    private static void accumulate(List<Event> events, Map<String, double[]> totals) {
        events.sort(Comparator.comparingDouble(Event::start)
                .thenComparing(Comparator.comparingDouble(Event::duration).reversed()));
        Deque<Event> open = new ArrayDeque<>();
        Map<Event, Double> childTime = new HashMap<>();
        for (Event e : events) {
            while (!open.isEmpty() && open.peek().end() <= e.start()) {
                close(open.pop(), childTime, totals);
            }
            if (!open.isEmpty()) {
                childTime.merge(open.peek(), e.duration(), Double::sum);
            }
            open.push(e);
        }
        while (!open.isEmpty()) {
            close(open.pop(), childTime, totals);
        }
    }

    private static void close(Event e, Map<Event, Double> childTime, Map<String, double[]> totals) {
        double self = Math.max(0, e.duration() - childTime.getOrDefault(e, 0.0));
        double[] t = totals.computeIfAbsent(e.name(), n -> new double[2]);
        t[0] += self;
        t[1] += 1;
        childTime.remove(e);
    }

    /** Milliseconds of {@link #MATRIX_OPERATORS} among {@code ops}. */
    static double matrixMs(List<OpTime> ops) {
        return ops.stream()
                .filter(op -> MATRIX_OPERATORS.contains(op.name()))
                .mapToDouble(OpTime::selfMs)
                .sum();
    }

    /**
     * Prints the top operators and, for a forward of {@code flops} operations, the rate its matrix operators
     * reached on their own: what the forward would reach if everything else were free. The profiler's own
     * overhead makes both times longer, so the rate is a lower bound.
     */
    static void print(Path trace, BenchReport report, String what, double flops) {
        List<OpTime> ops = selfTimes(trace);
        double total = ops.stream().mapToDouble(OpTime::selfMs).sum();
        List<Map<String, Object>> top = new ArrayList<>();
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT, "%s: top operators by self time (%.0f ms profiled, trace %s)", what, total, trace));
        for (OpTime op : ops.subList(0, Math.min(TOP, ops.size()))) {
            text.append(String.format(
                    Locale.ROOT,
                    "%n    %-36s %9.1f ms %5.1f%% %6d calls",
                    op.name(),
                    op.selfMs(),
                    100 * op.selfMs() / total,
                    op.calls()));
            top.add(Map.of("op", op.name(), "self_ms", op.selfMs(), "calls", op.calls()));
        }
        report.fact("profile " + what, top, text.toString());
        double matrix = matrixMs(ops);
        if (matrix <= 0) {
            return;
        }
        double rate = flops / matrix / 1e6;
        String ofCeiling = Double.isNaN(report.ceiling())
                ? ""
                : String.format(Locale.ROOT, " = %.0f%% of the ceiling", 100 * rate / report.ceiling());
        report.fact(
                "profile " + what + " matrix operators",
                Map.of("matrix_ms", matrix, "profiled_ms", total, "matrix_gflops", rate),
                String.format(
                        Locale.ROOT,
                        "%s: matrix operators (convolutions, products, attention) %.0f ms of %.0f ms profiled (%.0f%%),"
                                + " at %.1f GFLOP/s on their own%s",
                        what,
                        matrix,
                        total,
                        100 * matrix / total,
                        rate,
                        ofCeiling));
    }
}
