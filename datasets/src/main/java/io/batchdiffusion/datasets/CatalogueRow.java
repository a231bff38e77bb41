package io.batchdiffusion.datasets;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One prompt of a catalogue as importers produce it. Optional fields are {@code null} when the source
 * leaves them out (the job's defaults fill them); {@code extra} holds every other column as text, in
 * source order, and is carried through to the results.
 */
public record CatalogueRow(
        String id,
        String prompt,
        String negativePrompt,
        Long seed,
        Double guidanceScale,
        Integer numInferenceSteps,
        Integer width,
        Integer height,
        String scheduler,
        Map<String, String> extra) {

    public CatalogueRow {
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra == null ? Map.of() : extra));
    }

    public static CatalogueRow of(String id, String prompt) {
        return new CatalogueRow(id, prompt, null, null, null, null, null, null, null, Map.of());
    }

    public CatalogueRow withExtra(Map<String, String> columns) {
        return new CatalogueRow(
                id, prompt, negativePrompt, seed, guidanceScale, numInferenceSteps, width, height, scheduler, columns);
    }
}
