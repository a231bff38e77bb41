package io.batchdiffusion.pipeline;

import java.util.Locale;
import java.util.Map;

/** Scheduler names as AUTOMATIC1111 writes them in PNG metadata ("Sampler: Euler a"). */
final class SamplerNames {

    private static final Map<String, String> BY_NAME = Map.ofEntries(
            Map.entry("ddim", "DDIM"),
            Map.entry("ddimscheduler", "DDIM"),
            Map.entry("pndm", "PLMS"),
            Map.entry("pndmscheduler", "PLMS"),
            Map.entry("euler", "Euler"),
            Map.entry("eulerdiscretescheduler", "Euler"),
            Map.entry("euler_a", "Euler a"),
            Map.entry("euler_ancestral", "Euler a"),
            Map.entry("eulerancestraldiscretescheduler", "Euler a"),
            Map.entry("dpmpp_2m", "DPM++ 2M"),
            Map.entry("dpmsolvermultistepscheduler", "DPM++ 2M"),
            Map.entry("dpmpp_2m_karras", "DPM++ 2M Karras"),
            Map.entry("lms", "LMS"),
            Map.entry("lmsdiscretescheduler", "LMS"),
            Map.entry("lcm", "LCM"),
            Map.entry("lcmscheduler", "LCM"));

    private SamplerNames() {}

    static String of(String schedulerName) {
        return BY_NAME.getOrDefault(schedulerName.toLowerCase(Locale.ROOT), schedulerName);
    }
}
