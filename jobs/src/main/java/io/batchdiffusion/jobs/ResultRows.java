package io.batchdiffusion.jobs;

import io.batchdiffusion.pipeline.RenderedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** Builds result rows (the layout of {@link JobSchemas#results}), scoring a batch's images in one call. */
final class ResultRows {

    private ResultRows() {}

    static List<Row> of(List<Finished> batch, RenderEngine engine, String executorId, ImageStore store, boolean embed) {
        List<Finished> ok = new ArrayList<>();
        List<byte[]> rgbs = new ArrayList<>();
        List<int[]> sizes = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (Finished f : batch) {
            if (f.status() == RenderStatus.OK) {
                ok.add(f);
                RgbPixels pixels = f.image() != null
                        ? new RgbPixels(
                                f.image().width(), f.image().height(), f.image().rgb())
                        : RgbPixels.decodePng(f.png());
                rgbs.add(pixels.rgb());
                sizes.add(new int[] {pixels.width(), pixels.height()});
                prompts.add(f.task().prompt());
            }
        }
        long start = System.nanoTime();
        float[][] scores = ok.isEmpty() ? null : engine.score(rgbs, sizes, prompts);
        long scoreMillis = ok.isEmpty() ? 0 : (System.nanoTime() - start) / 1_000_000 / ok.size();

        List<Row> rows = new ArrayList<>(batch.size());
        for (Finished f : batch) {
            int index = ok.indexOf(f);
            Float raw = scores == null || index < 0 ? null : scores[index][0];
            Float clamped = scores == null || index < 0 ? null : scores[index][1];
            int tokens = engine.tokenCount(f.task().prompt());
            if (tokens > engine.maxTokens()) {
                TruncationWarnings.warnOnce(f.task(), tokens, engine.maxTokens());
            }
            int[] size = index >= 0
                    ? sizes.get(index)
                    : new int[] {f.task().width(), f.task().height()};
            RenderedImage.StageMillis millis =
                    f.image() == null ? null : f.image().millis();
            rows.add(row(
                    f.task(),
                    size,
                    f.status(),
                    f.message(),
                    f.png() == null ? null : store.pathOf(f.task().key()),
                    f.png() == null ? null : RenderKeys.sha256Hex(f.png()),
                    raw,
                    clamped,
                    tokens,
                    tokens > engine.maxTokens(),
                    millis == null
                            ? null
                            : new Long[] {
                                millis.textEncode(), millis.denoise(), millis.decode(), scoreMillis, f.writeMillis()
                            },
                    executorId,
                    embed,
                    f.png()));
        }
        return rows;
    }

    static Row failed(RenderTask task, RenderStatus status, String message, String executorId, boolean embed) {
        return row(
                task,
                new int[] {task.width(), task.height()},
                status,
                message,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                executorId,
                embed,
                null);
    }

    private static Row row(
            RenderTask task,
            int[] size,
            RenderStatus status,
            String message,
            String imagePath,
            String sha256,
            Float raw,
            Float clamped,
            Integer tokens,
            Boolean truncated,
            Long[] stageMillis,
            String executorId,
            boolean embed,
            byte[] png) {
        List<Object> values = new ArrayList<>(List.of(task.passthrough()));
        values.add(task.rowId());
        values.add(task.key());
        values.add(task.prompt());
        values.add(task.negativePrompt());
        values.add(task.seed());
        values.add(task.guidanceScale());
        values.add(task.steps());
        values.add(task.scheduler());
        values.add(size[0]);
        values.add(size[1]);
        values.add(status.name());
        values.add(message);
        values.add(imagePath);
        values.add(sha256);
        values.add(raw);
        values.add(clamped);
        values.add(tokens);
        values.add(truncated);
        values.add(status == RenderStatus.INVALID_INPUT ? null : task.guidanceScale() > 1.0);
        for (int i = 0; i < JobSchemas.STAGE_MILLIS.size(); i++) {
            values.add(stageMillis == null ? null : stageMillis[i]);
        }
        values.add(executorId);
        if (embed) {
            values.add(png == null ? null : RowFactory.create(png, task.key() + ".png"));
        }
        return RowFactory.create(values.toArray());
    }

    /** Decoded pixels of a stored PNG, for scoring an image reused from an earlier attempt. */
    record RgbPixels(int width, int height, byte[] rgb) {
        static RgbPixels decodePng(byte[] png) {
            try {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                int w = image.getWidth();
                int h = image.getHeight();
                byte[] rgb = new byte[w * h * 3];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int p = image.getRGB(x, y);
                        int at = (y * w + x) * 3;
                        rgb[at] = (byte) (p >> 16);
                        rgb[at + 1] = (byte) (p >> 8);
                        rgb[at + 2] = (byte) p;
                    }
                }
                return new RgbPixels(w, h, rgb);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot decode a stored image", e);
            }
        }
    }
}
