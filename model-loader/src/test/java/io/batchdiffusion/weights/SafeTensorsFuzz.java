package io.batchdiffusion.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Runs the safetensors validator over mutated in-memory files and reports what it answered. A main
 * for a forked JVM with a small heap ({@link SafeTensorsFuzzTest}): every file must be accepted or
 * refused with {@link InvalidModelFileException}; any other throwable, out-of-memory included, is a
 * finding. Accepted files are checked against the invariants the validator promises.
 *
 * <p>{@code java -Xmx256m -cp <test classpath> io.batchdiffusion.weights.SafeTensorsFuzz CASES SEED}
 */
final class SafeTensorsFuzz {

    private static final Path NAME = Path.of("fuzz.safetensors");
    private static final Pattern QUOTED = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'(\\.\\.\\. \\(\\d+ chars\\))?");
    private static final Pattern LISTS = Pattern.compile("\\[[-\\d, ]*\\]");
    private static final Pattern NUMBERS = Pattern.compile("\\d+");

    private final Map<String, Integer> reasons = new TreeMap<>();
    private final List<String> findings = new ArrayList<>();
    private int files;
    private int rejected;
    private int accepted;
    private int outOfMemory;

    public static void main(String[] args) {
        int cases = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        long start = System.nanoTime();
        SafeTensorsFuzz fuzz = new SafeTensorsFuzz();
        fuzz.largeHeaders();
        SafeTensorsMutator mutator = new SafeTensorsMutator(seed);
        for (int i = 0; i < cases; i++) {
            StringBuilder applied = new StringBuilder();
            byte[] file = mutator.mutated(applied);
            fuzz.check("case " + i + " (mutations " + applied + ")", file);
        }
        fuzz.report(seed, (System.nanoTime() - start) / 1e9);
        System.exit(fuzz.findings.isEmpty() ? 0 : 1);
    }

    /** Headers at and just past the 100 MB cap, and a cap-sized length in a small file. */
    private void largeHeaders() {
        int cap = (int) SafeTensorsFile.MAX_HEADER_BYTES;
        byte[] biggest = new byte[8 + cap]; // the one large array: its length field is edited in place
        java.util.Arrays.fill(biggest, (byte) ' ');
        biggest[8] = '{';
        biggest[biggest.length - 1] = '}';
        ByteBuffer length = ByteBuffer.wrap(biggest).order(ByteOrder.LITTLE_ENDIAN);
        check("100 MB header", length.putLong(0, cap).array());
        check("100 MB + 1 header length", length.putLong(0, cap + 1L).array());
        check("100 MB header length in a 1 KB file", SafeTensorsMutator.withHeaderLength(new byte[1024], cap));
    }

    private void check(String label, byte[] file) {
        files++;
        try {
            SafeTensorsFile validated = SafeTensorsFile.validate(NAME, file);
            accepted++;
            String broken = brokenInvariant(validated, file);
            if (broken != null) {
                finding(label, "accepted a file that " + broken, file);
            }
        } catch (InvalidModelFileException e) {
            rejected++;
            reasons.merge(reason(e.getMessage()), 1, Integer::sum);
        } catch (OutOfMemoryError e) {
            outOfMemory++;
            finding(label, "OutOfMemoryError: " + e.getMessage(), file);
        } catch (Throwable e) {
            finding(label, e.toString() + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?"), file);
        }
    }

    /** What an accepted file violates, or null: ranges must tile the data exactly and match shape x dtype. */
    private static String brokenInvariant(SafeTensorsFile validated, byte[] file) {
        long dataLength = file.length - 8 - SafeTensorsMutator.declaredLength(file);
        long total = 0;
        for (TensorInfo info : validated.tensors().values()) {
            long expected = Math.multiplyExact(info.elementCount(), info.type().bytes());
            if (info.byteLength() != expected || info.end() > dataLength || info.begin() < 0) {
                return "holds tensor " + SafeTensorsHeader.quote(info.name()) + " with a bad range";
            }
            total += info.byteLength();
        }
        return total == dataLength ? null : "has " + (dataLength - total) + " bytes not covered by tensors";
    }

    private void finding(String label, String what, byte[] file) {
        if (findings.size() < 20) {
            String bytes = file.length <= 512 ? Base64.getEncoder().encodeToString(file) : file.length + " bytes";
            findings.add(label + ": " + what + "\n    file: " + bytes);
        } else if (findings.size() == 20) {
            findings.add("(more findings left out)");
        }
    }

    /** A refusal's reason with the file, quoted names and numbers taken out, to count distinct reasons. */
    static String reason(String message) {
        String reason = message.startsWith(NAME + ": ")
                ? message.substring(NAME.toString().length() + 2)
                : message;
        reason = QUOTED.matcher(reason).replaceAll("'…'");
        reason = NUMBERS.matcher(LISTS.matcher(reason).replaceAll("[…]")).replaceAll("N");
        int detail = reason.indexOf("header is not valid JSON: ");
        if (detail >= 0) { // Jackson's own wording varies per token; keep its first words
            String jackson = reason.substring(detail + 26);
            reason = reason.substring(0, detail + 26) + String.join(" ", firstWords(jackson, 4));
        }
        return reason;
    }

    private static List<String> firstWords(String text, int count) {
        String[] words = text.split(" ");
        return List.of(words).subList(0, Math.min(count, words.length));
    }

    private void report(long seed, double seconds) {
        System.out.printf(
                "safetensors fuzz: seed %d, %d files in %.1f s, JVM %s (usable heap %d MB)%n",
                seed,
                files,
                seconds,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(
                "files: %d, rejected: %d, accepted: %d, distinct reasons: %d, out of memory: %d, unexpected: %d%n",
                files, rejected, accepted, reasons.size(), outOfMemory, findings.size());
        reasons.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> System.out.printf("  %7d  %s%n", e.getValue(), e.getKey()));
        findings.forEach(f -> System.out.println("FINDING " + f));
    }
}
