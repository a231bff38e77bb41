package io.batchdiffusion.jobs;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code submit/nightly}: the render job for dataset generation, one run per day under {@code
 * <output>/dt=YYYY-MM-DD/} (today in UTC; {@code --date YYYY-MM-DD} for another day, or an explicit
 * {@code --run-id}). It resumes by default: rendering again the same day keeps what an earlier
 * attempt finished and renders only the rest; {@code --no-resume} starts the day over.
 */
public final class NightlyJob {

    private NightlyJob() {}

    public static void main(String[] args) {
        JobCommand.main(args, a -> options(LocalDate.now(ZoneOffset.UTC), a), (spark, summary) -> {});
    }

    /** The render options of a nightly run on {@code today}. */
    static JobOptions options(LocalDate today, String... args) {
        List<String> rest = new ArrayList<>();
        LocalDate date = null;
        boolean resume = true;
        boolean runIdGiven = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--no-resume")) {
                resume = false;
            } else if (arg.equals("--date") || arg.startsWith("--date=")) {
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : next(args, ++i, "--date");
                date = parseDate(value);
            } else {
                runIdGiven |= arg.equals("--run-id") || arg.startsWith("--run-id=");
                rest.add(arg);
            }
        }
        if (runIdGiven && date != null) {
            throw new IllegalArgumentException("give --date or --run-id, not both");
        }
        JobOptions options = JobOptions.parse(rest.toArray(String[]::new)).withResume(resume);
        return runIdGiven ? options : options.withRunId("dt=" + (date == null ? today : date));
    }

    private static String next(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static LocalDate parseDate(String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--date '" + value + "' is not a date (YYYY-MM-DD)");
        }
    }
}
