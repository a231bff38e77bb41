package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.clip.ClipImageProcessor;
import io.batchdiffusion.clip.ClipModel;
import io.batchdiffusion.clip.RgbImage;
import io.batchdiffusion.datasets.shapes.Captions;
import io.batchdiffusion.datasets.shapes.ShapeKind;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.tokenizer.TokenizedText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP's contrastive objective: the images and captions of a batch are embedded by the two towers and
 * each image must pick out its caption among the batch's captions (and each caption its image), with the
 * learned temperature {@code logit_scale}. Identical captions in a batch share the target, so a generic
 * caption ("a red circle") is not pushed away from the other red circles. Half of each batch are shape
 * twins of the other half (the same scene with another shape, where that is a training combination):
 * colour alone tells most random pairs apart, and without such negatives the towers learn colour and
 * little shape (on raw held-out images a colour-only CLIP prefers the true shape word to both other shape
 * words about as often as chance). Images go through the same
 * {@link ClipImageProcessor} and captions through the same tokenizer calls the scorer uses.
 */
final class ClipStage implements Stage {

    /** CLIP caps the temperature at 100. */
    private static final float MAX_LOGIT_SCALE = (float) Math.log(100);

    private final ClipModel model;
    private final Map<String, NDArray> parameters;
    private final ClipImageProcessor processor;
    private final ClipTokenizer tokenizer;
    private final ShapesDataset data;
    private final long seed;
    private final StagePlan plan;

    ClipStage(
            ClipModel model,
            Map<String, NDArray> parameters,
            ClipImageProcessor processor,
            ClipTokenizer tokenizer,
            ShapesDataset data,
            long seed,
            StagePlan plan) {
        this.model = model;
        this.parameters = parameters;
        this.processor = processor;
        this.tokenizer = tokenizer;
        this.data = data;
        this.seed = seed;
        this.plan = plan;
    }

    @Override
    public String name() {
        return "clip";
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public StagePlan plan() {
        return plan;
    }

    @Override
    public NDArray loss(int step, NDManager batch) {
        SplittableRandom random = Batches.random(seed, name(), step);
        List<ShapeScene> scenes = withShapeTwins(random);
        List<RgbImage> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (ShapeScene s : scenes) {
            images.add(new RgbImage(s.width(), s.height(), s.rgb()));
            captions.add(Captions.describe(s.background(), s.shapes(), random, false));
        }
        NDArray pixels = Batches.owned(processor.preprocess(images, batch));
        List<TokenizedText> tokens = tokenizer.encodePaddedToLongest(captions);
        NDArray ids = Batches.owned(batch.create(
                flatten(tokens, true), new Shape(tokens.size(), tokens.get(0).inputIds().length)));
        NDArray mask = Batches.owned(batch.create(flatten(tokens, false), ids.getShape()));
        NDArray targets =
                Batches.owned(batch.create(sharedTargets(captions), new Shape(captions.size(), captions.size())));
        NDArray logitScale = parameters.get("logit_scale");
        return Scope.run(() -> {
            NDArray imageEmbeds = normalize(model.imageFeatures(pixels));
            NDArray textEmbeds = normalize(model.textFeatures(ids, mask));
            NDArray temperature = Scalars.minimum(batch.zeros(new Shape()).add(logitScale), MAX_LOGIT_SCALE)
                    .exp();
            NDArray logits = imageEmbeds.matMul(textEmbeds.transpose()).mul(temperature);
            NDArray perImage = targets.mul(logits.logSoftmax(1)).sum().neg();
            NDArray perText = targets.mul(logits.logSoftmax(0)).sum().neg();
            return Scalars.div(perImage.add(perText), 2f * captions.size());
        });
    }

    /** Half a batch of random scenes, each followed by its shape twin (or another random scene). */
    private List<ShapeScene> withShapeTwins(SplittableRandom random) {
        List<ShapeScene> scenes = new ArrayList<>();
        ShapeKind[] kinds = ShapeKind.values();
        for (ShapeScene scene : Batches.scenes(data, random, plan.batchSize() / 2)) {
            ShapeKind other =
                    kinds[(scene.shape().kind().ordinal() + 1 + random.nextInt(kinds.length - 1)) % kinds.length];
            scenes.add(scene);
            scenes.add(data.withShapeKind(scene, other)
                    .orElseGet(() -> Batches.scenes(data, random, 1).get(0)));
        }
        while (scenes.size() < plan.batchSize()) {
            scenes.addAll(Batches.scenes(data, random, 1));
        }
        return scenes;
    }

    /** Row i spreads its target evenly over the captions equal to caption i (itself included). */
    private static float[] sharedTargets(List<String> captions) {
        int n = captions.size();
        float[] targets = new float[n * n];
        for (int i = 0; i < n; i++) {
            int same = 0;
            for (int j = 0; j < n; j++) {
                same += captions.get(i).equals(captions.get(j)) ? 1 : 0;
            }
            for (int j = 0; j < n; j++) {
                targets[i * n + j] = captions.get(i).equals(captions.get(j)) ? 1f / same : 0f;
            }
        }
        return targets;
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true));
    }

    private static long[] flatten(List<TokenizedText> tokens, boolean ids) {
        int length = tokens.get(0).inputIds().length;
        long[] out = new long[tokens.size() * length];
        for (int i = 0; i < tokens.size(); i++) {
            int[] row = ids ? tokens.get(i).inputIds() : tokens.get(i).attentionMask();
            for (int j = 0; j < length; j++) {
                out[i * length + j] = row[j];
            }
        }
        return out;
    }
}
