package io.batchdiffusion.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the machine and this process look like: cores, CPU model, load average, resident memory. */
final class MachineInfo {

    private MachineInfo() {}

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The {@code model name} line of /proc/cpuinfo, or "unknown". */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return "unknown";
    }

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg (NaN where unavailable). */
    static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {
                Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])
            };
        } catch (IOException | RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
    }

    /**
     * The {@code Vm*} and {@code Rss*} lines of /proc/self/status in bytes: VmRSS (resident now), VmHWM
     * (peak resident), RssAnon (heap, activations) and RssFile (mapped weights).
     */
    static Map<String, Long> memory() {
        Map<String, Long> bytes = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Vm") || line.startsWith("Rss")) {
                    String[] parts = line.split("\\s+");
                    if (parts.length >= 3 && parts[2].equals("kB")) {
                        bytes.put(parts[0].replace(":", ""), Long.parseLong(parts[1]) * 1024);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figures
        }
        return bytes;
    }
}
