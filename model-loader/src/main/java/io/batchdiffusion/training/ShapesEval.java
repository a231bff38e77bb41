package io.batchdiffusion.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipScorer;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.pipeline.PipelineOptions;
import io.batchdiffusion.pipeline.RenderRequest;
import io.batchdiffusion.pipeline.RenderedImage;
import io.batchdiffusion.pipeline.StableDiffusionPipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation of issue 8 on held-out captions (colour-shape-background combinations training never
 * showed), rendered with the shipped weights through the unchanged pipeline: colour accuracy and shape
 * accuracy by {@link io.batchdiffusion.datasets.shapes.ShapeReader} at the main guidance scale; CLIP
 * preference of the true caption over a mismatched one (another case's caption with a different shape
 * colour) with the shipped scorer, and over the colour-swapped and the shape-swapped caption; colour
 * accuracy without guidance.
 */
final class ShapesEval {

    private ShapesEval() {}

    /** {@code count} held-out cases; case i's mismatched caption is the next case's with another shape colour. */
    static List<EvalCase> cases(long seed, int count) {
        List<ShapeScene> scenes = ShapesDataset.heldOut(seed).scenes(0, count);
        List<EvalCase> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ShapeScene scene = scenes.get(i);
            ShapeScene other = scenes.get((i + 1) % count);
            for (int k = 2; other.shape().colour() == scene.shape().colour(); k++) {
                other = scenes.get((i + k) % count);
            }
            cases.add(new EvalCase(scene, other.caption()));
        }
        return cases;
    }

    static EvalReport run(Path model, EvalSettings settings) {
        List<EvalCase> cases = cases(settings.seed(), settings.count());
        try (StableDiffusionPipeline sd = StableDiffusionPipeline.load(model, PipelineOptions.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            ClipScorer scorer = ClipScorer.load(model.resolve("clip-scorer"), manager, DataType.FLOAT32);
            List<RenderedImage> guided = render(sd, cases, settings, settings.guidance());
            List<RenderedImage> unguided = render(sd, cases, settings, 1.0);
            EvalReport.Builder report = new EvalReport.Builder(settings);
            for (int start = 0; start < cases.size(); start += settings.batch()) {
                int end = Math.min(cases.size(), start + settings.batch());
                List<RgbImage> images = new ArrayList<>();
                List<String> trueCaptions = new ArrayList<>();
                List<String> mismatched = new ArrayList<>();
                List<String> swapped = new ArrayList<>();
                List<String> shapeSwapped = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    RenderedImage r = guided.get(i);
                    images.add(new RgbImage(r.width(), r.height(), r.rgb()));
                    trueCaptions.add(cases.get(i).caption());
                    mismatched.add(cases.get(i).mismatched());
                    swapped.add(cases.get(i).colourSwapped());
                    shapeSwapped.add(cases.get(i).shapeSwapped());
                }
                float[] trueScores = scorer.score(images, trueCaptions).raw();
                float[] mismatchScores = scorer.score(images, mismatched).raw();
                float[] swappedScores = scorer.score(images, swapped).raw();
                float[] shapeSwappedScores = scorer.score(images, shapeSwapped).raw();
                for (int i = start; i < end; i++) {
                    EvalCase c = cases.get(i);
                    RenderedImage g = guided.get(i);
                    RenderedImage u = unguided.get(i);
                    report.add(
                            c,
                            c.judge(g.rgb(), g.width(), g.height()),
                            c.judge(u.rgb(), u.width(), u.height()),
                            trueScores[i - start] > mismatchScores[i - start],
                            trueScores[i - start] > swappedScores[i - start],
                            trueScores[i - start] > shapeSwappedScores[i - start]);
                }
            }
            return report.build(guided);
        }
    }

    private static List<RenderedImage> render(
            StableDiffusionPipeline sd, List<EvalCase> cases, EvalSettings settings, double guidance) {
        List<RenderedImage> out = new ArrayList<>();
        for (int start = 0; start < cases.size(); start += settings.batch()) {
            List<RenderRequest> requests = new ArrayList<>();
            for (int i = start; i < Math.min(cases.size(), start + settings.batch()); i++) {
                requests.add(RenderRequest.of(cases.get(i).caption())
                        .withSeed(settings.seed() * 1000 + i)
                        .withGuidanceScale(guidance)
                        .withSteps(settings.steps()));
            }
            out.addAll(sd.render(requests));
        }
        return out;
    }
}
