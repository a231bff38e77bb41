package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.NoGrad;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.tokenizer.TokenizedText;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * torchmetrics' {@code CLIPScore} on a transformers {@code CLIPModel} folder: {@code max(100 * cos(E_image,
 * E_text), 0)} with the embeddings of {@code get_image_features} / {@code get_text_features}, L2-normalised.
 *
 * <pre>{@code
 * ClipScorer scorer = ClipScorer.load(Path.of("models/tiny-sd-a/clip-scorer"), manager, DataType.FLOAT32);
 * ClipScores scores = scorer.score(List.of(RgbImage.of(bufferedImage)), List.of("a red circle"));
 * float clipScore = scores.clamped()[0];
 * }</pre>
 */
public final class ClipScorer {

    private final ClipModel model;
    private final ClipImageProcessor processor;
    private final ClipTokenizer tokenizer;
    private final NDManager manager;
    private final DataType dtype;

    public ClipScorer(
            ClipModel model, ClipImageProcessor processor, ClipTokenizer tokenizer, NDManager manager, DataType dtype) {
        this.model = model;
        this.processor = processor;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.dtype = dtype;
    }

    /**
     * A transformers CLIPModel folder: {@code config.json}, {@code model.safetensors}, {@code
     * preprocessor_config.json}, {@code vocab.json} and {@code merges.txt}.
     */
    public static ClipScorer load(Path clipFolder, NDManager manager, DataType dtype) {
        ClipImageProcessor processor = ClipImageProcessor.load(clipFolder.resolve("preprocessor_config.json"));
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(clipFolder);
        return new ClipScorer(ClipModel.load(clipFolder, manager, dtype), processor, tokenizer, manager, dtype);
    }

    /**
     * Scores image i against prompt i: prompts tokenised as CLIPProcessor does (padded to the longest,
     * truncated at the model's 77 tokens), one forward per tower for the batch.
     */
    public ClipScores score(List<RgbImage> images, List<String> prompts) {
        List<TokenizedText> tokens = tokenizer.encodePaddedToLongest(prompts);
        int[][] ids = new int[tokens.size()][];
        int[][] mask = new int[tokens.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i).inputIds();
            mask[i] = tokens.get(i).attentionMask();
        }
        return scoreTokens(images, ids, mask);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** Scores image i against text i, one forward per tower for the whole batch. */
    public ClipScores scoreTokens(List<RgbImage> images, int[][] inputIds, int[][] attentionMask) {
        if (images.size() != inputIds.length) {
            throw new IllegalArgumentException(
                    images.size() + " images but " + inputIds.length + " token rows; CLIPScore pairs them one to one");
        }
        // Both towers switch gradient recording off themselves (NoGrad); the cosine needs no gradients either way.
        try (NDManager batch = manager.newSubManager()) {
            NDArray imageEmbeds = imageEmbeddings(images, batch);
            NDArray textEmbeds = textEmbeddings(inputIds, attentionMask, batch);
            return ClipScores.of(cosineTimes100(imageEmbeds, textEmbeds));
        }
    }

    /** L2-normalised {@code get_image_features}, [images, projection_dim], in {@code batchManager}. */
    public NDArray imageEmbeddings(List<RgbImage> images, NDManager batchManager) {
        return NoGrad.call(() -> Scope.run(() -> {
            NDArray pixels = processor.preprocess(images, batchManager).toType(dtype, false);
            return ClipModel.l2Normalize(model.imageFeatures(pixels));
        }));
    }

    /** L2-normalised {@code get_text_features}, [texts, projection_dim], in {@code batchManager}. */
    public NDArray textEmbeddings(int[][] inputIds, int[][] attentionMask, NDManager batchManager) {
        Shape shape = tokenShape(inputIds, "input_ids");
        if (attentionMask != null
                && !tokenShape(attentionMask, "attention_mask").equals(shape)) {
            throw new IllegalArgumentException(
                    "attention_mask is " + tokenShape(attentionMask, "attention_mask") + " but input_ids " + shape);
        }
        return NoGrad.call(() -> Scope.run(() -> {
            NDArray ids = batchManager.create(flatten(inputIds), shape);
            NDArray mask = attentionMask == null ? null : batchManager.create(flatten(attentionMask), shape);
            return ClipModel.l2Normalize(model.textFeatures(ids, mask));
        }));
    }

    /**
     * Best-of-N: the indices of {@code imageEmbeds} [N, D] by descending score against one prompt's
     * {@code textEmbed} ([D] or [1, D]), ties in index order. Both L2-normalised, as returned above.
     */
    public static int[] rerank(NDArray imageEmbeds, NDArray textEmbed) {
        float[] scores = scoresAgainst(imageEmbeds, textEmbed);
        return IntStream.range(0, scores.length)
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** {@code 100 * cos} of every row of {@code imageEmbeds} with the one {@code textEmbed}. */
    public static float[] scoresAgainst(NDArray imageEmbeds, NDArray textEmbed) {
        long dim = imageEmbeds.getShape().get(imageEmbeds.getShape().dimension() - 1);
        if (textEmbed.getShape().size() != dim) {
            throw new IllegalArgumentException("text embedding " + textEmbed.getShape()
                    + " does not match image embeddings " + imageEmbeds.getShape());
        }
        try (NDArray text = textEmbed.reshape(1, dim)) {
            return cosineTimes100(imageEmbeds, text);
        }
    }

    public ClipModel model() {
        return model;
    }

    public ClipImageProcessor processor() {
        return processor;
    }

    /** torchmetrics: {@code 100 * (img * txt).sum(axis=-1)}, in float32. */
    private static float[] cosineTimes100(NDArray imageEmbeds, NDArray textEmbeds) {
        try (NDArray raw = Scope.run(
                () -> imageEmbeds.mul(textEmbeds).sum(new int[] {-1}).mul(100f).toType(DataType.FLOAT32, false))) {
            return raw.toFloatArray();
        }
    }

    private static Shape tokenShape(int[][] rows, String name) {
        if (rows.length == 0 || rows[0].length == 0) {
            throw new IllegalArgumentException(name + " is empty");
        }
        for (int[] row : rows) {
            if (row.length != rows[0].length) {
                throw new IllegalArgumentException(name + " rows differ in length (" + row.length + " vs "
                        + rows[0].length + "); pad them to the longest");
            }
        }
        return new Shape(rows.length, rows[0].length);
    }

    private static long[] flatten(int[][] rows) {
        return Arrays.stream(rows).flatMapToInt(Arrays::stream).asLongStream().toArray();
    }
}
