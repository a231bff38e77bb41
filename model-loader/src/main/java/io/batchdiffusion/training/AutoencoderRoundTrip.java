package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.datasets.shapes.ShapeKind;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapeSize;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.vae.LatentDistribution;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How well the autoencoder alone keeps the shapes: the held-out scenes themselves, encoded (the latent
 * distribution's mode) and decoded by the model's VAE, read by the same pixel reader as the renders. Not
 * an upper bound of the evaluation (the denoiser's latents can decode cleaner than an encoded drawing:
 * the shipped model renders 96.7% right against 86.3% here), but where a model loses its shapes in the
 * autoencoder it shows here first: the first shipped VAE kept 20 of 90 triangles.
 */
final class AutoencoderRoundTrip {

    private AutoencoderRoundTrip() {}

    /** Shapes the reader recognises after the round trip, in all and by the caption's shape and size. */
    record Result(int right, int total, Map<ShapeKind, int[]> byShape, Map<ShapeSize, int[]> bySize) {

        double accuracy() {
            return right / (double) total;
        }

        String format() {
            StringBuilder s = new StringBuilder(String.format(
                    Locale.ROOT,
                    "autoencoder round trip of the %d held-out scenes: shape accuracy %.1f%%%nby shape:",
                    total,
                    100 * accuracy()));
            byShape.forEach((k, n) -> s.append(String.format(Locale.ROOT, " %s %d/%d", k.word(), n[0], n[1])));
            s.append(System.lineSeparator()).append("by size:");
            bySize.forEach((k, n) -> s.append(String.format(Locale.ROOT, " %s %d/%d", k.word(), n[0], n[1])));
            return s.append(System.lineSeparator()).toString();
        }
    }

    static Result run(Path model, EvalSettings settings) {
        List<EvalCase> cases = ShapesEval.cases(settings.seed(), settings.count());
        Map<ShapeKind, int[]> byShape = new EnumMap<>(ShapeKind.class);
        Map<ShapeSize, int[]> bySize = new EnumMap<>(ShapeSize.class);
        int right = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(model.resolve("vae"), manager, DataType.FLOAT32);
            for (int start = 0; start < cases.size(); start += settings.batch()) {
                int end = Math.min(cases.size(), start + settings.batch());
                List<ShapeScene> scenes =
                        cases.subList(start, end).stream().map(EvalCase::scene).toList();
                try (NDManager batch = manager.newSubManager()) {
                    NDArray images = Batches.images(scenes, batch);
                    byte[] decoded;
                    try (LatentDistribution latents = vae.encode(images)) {
                        NDArray pixels = vae.decode(latents.mode())
                                .div(2f)
                                .add(0.5f)
                                .clip(0f, 1f)
                                .transpose(0, 2, 3, 1);
                        decoded = pixels.mul(255f)
                                .round()
                                .clip(0f, 255f)
                                .toType(DataType.UINT8, false)
                                .toByteArray();
                    }
                    ShapeScene first = scenes.get(0);
                    int bytes = first.width() * first.height() * 3;
                    for (int i = start; i < end; i++) {
                        byte[] rgb = new byte[bytes];
                        System.arraycopy(decoded, (i - start) * bytes, rgb, 0, bytes);
                        EvalCase c = cases.get(i);
                        boolean shapeRight =
                                c.judge(rgb, first.width(), first.height()).shapeRight();
                        right += shapeRight ? 1 : 0;
                        tally(byShape.computeIfAbsent(c.scene().shape().kind(), k -> new int[2]), shapeRight);
                        tally(bySize.computeIfAbsent(c.scene().shape().size(), k -> new int[2]), shapeRight);
                    }
                }
            }
        }
        return new Result(right, cases.size(), byShape, bySize);
    }

    private static void tally(int[] counts, boolean right) {
        counts[0] += right ? 1 : 0;
        counts[1]++;
    }
}
