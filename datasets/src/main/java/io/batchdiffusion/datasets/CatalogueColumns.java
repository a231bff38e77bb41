package io.batchdiffusion.datasets;

import java.util.List;
import java.util.Map;

/** The catalogue schema: column names and their types. Only {@code prompt} is required. */
public final class CatalogueColumns {

    public static final String ID = "id";
    public static final String PROMPT = "prompt";
    public static final String NEGATIVE_PROMPT = "negative_prompt";
    public static final String SEED = "seed";
    public static final String GUIDANCE_SCALE = "guidance_scale";
    public static final String NUM_INFERENCE_STEPS = "num_inference_steps";
    public static final String WIDTH = "width";
    public static final String HEIGHT = "height";
    public static final String SCHEDULER = "scheduler";

    /** The kind of value each known column holds; integer columns accept any integer width. */
    public enum Kind {
        STRING,
        INTEGER,
        FLOATING
    }

    public static final Map<String, Kind> KNOWN = Map.of(
            ID, Kind.STRING,
            PROMPT, Kind.STRING,
            NEGATIVE_PROMPT, Kind.STRING,
            SEED, Kind.INTEGER,
            GUIDANCE_SCALE, Kind.FLOATING,
            NUM_INFERENCE_STEPS, Kind.INTEGER,
            WIDTH, Kind.INTEGER,
            HEIGHT, Kind.INTEGER,
            SCHEDULER, Kind.STRING);

    /** Known columns in the order writers emit them. */
    public static final List<String> ORDER =
            List.of(ID, PROMPT, NEGATIVE_PROMPT, SEED, GUIDANCE_SCALE, NUM_INFERENCE_STEPS, WIDTH, HEIGHT, SCHEDULER);

    private CatalogueColumns() {}
}
