package io.batchdiffusion.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** One line per compared tensor: what, the max absolute error, the tolerance, and the verdict. */
public final class ParityReport {

    /** One comparison; {@code error} is NaN when the shapes differ or a value is NaN. */
    public record Line(String component, String tensor, double error, double tolerance) {
        public boolean passed() {
            return error <= tolerance;
        }

        @Override
        public String toString() {
            return String.format(
                    "%-5s %-14s %-52s max|err| %-10s tolerance %.0e",
                    passed() ? "ok" : "FAIL",
                    component,
                    tensor,
                    Double.isNaN(error) ? "mismatch" : String.format("%.3e", error),
                    tolerance);
        }
    }

    private final List<Line> lines = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final PrintStream out;

    public ParityReport(PrintStream out) {
        this.out = out;
    }

    /** Compares two arrays of equal shape (any float or integer type). */
    public Line compare(String component, String tensor, NDArray actual, NDArray expected, double tolerance) {
        double error = Double.NaN;
        if (actual.getShape().equals(expected.getShape())) {
            try (NDArray a = actual.toType(DataType.FLOAT64, true);
                    NDArray e = expected.toType(DataType.FLOAT64, true);
                    NDArray diff = a.sub(e).abs()) {
                error = diff.isNaN().any().getBoolean()
                        ? Double.NaN
                        : diff.max().getDouble();
            }
        }
        return add(new Line(
                component,
                tensor
                        + (Double.isNaN(error) && !actual.getShape().equals(expected.getShape())
                                ? " (shape " + actual.getShape() + " vs " + expected.getShape() + ")"
                                : ""),
                error,
                tolerance));
    }

    public Line add(Line line) {
        lines.add(line);
        out.println(line);
        return line;
    }

    public void note(String text) {
        notes.add(text);
        out.println("note  " + text);
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public long failures() {
        return lines.stream().filter(l -> !l.passed()).count();
    }
}
