package io.batchdiffusion.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.batchdiffusion.schedulers.NoiseSource;
import io.batchdiffusion.schedulers.Scheduler;
import io.batchdiffusion.unet.UNet2DConditionModel;
import java.util.List;

/**
 * The sampling loop of one batch of compatible requests, as in diffusers'
 * {@code StableDiffusionPipeline.__call__}: scale the input, run the UNet on the doubled batch
 * ({@code [uncond(guided rows); cond(all rows)]}), combine with each row's guidance scale, optionally
 * rescale, step. Each step's temporaries are freed when the step ends.
 */
final class DenoisingLoop {

    private final UNet2DConditionModel unet;

    DenoisingLoop(UNet2DConditionModel unet) {
        this.unet = unet;
    }

    /**
     * @param latents the initial latents, already multiplied by the scheduler's init noise sigma
     * @param embeddings {@link PromptEncoder} output for {@code requests}
     * @return the final latents (attached to the same manager as {@code latents})
     */
    NDArray run(
            List<RenderRequest> requests,
            NDArray latents,
            NDArray embeddings,
            Scheduler scheduler,
            NoiseSource noise,
            StepListener listener) {
        Guidance guidance = Guidance.of(requests, latents.getManager());
        double[] timesteps = scheduler.timesteps();
        NDArray current = latents;
        for (int i = 0; i < timesteps.length; i++) {
            try (NDScope step = new NDScope()) {
                step.suppressNotUsedWarning();
                NDArray input = guidance.doubled(current);
                NDArray scaled = scheduler.scaleModelInput(input, i);
                NDArray t = scaled.getManager()
                        .full(new ai.djl.ndarray.types.Shape(scaled.getShape().get(0)), (float) timesteps[i]);
                NDArray noisePrediction = unet.forward(scaled, t, embeddings);
                NDArray guided = guidance.combine(noisePrediction);
                NDArray next = scheduler.step(guided, i, current, noise).prevSample();
                listener.onStep(i, timesteps[i], scaled, noisePrediction, next);
                NDScope.unregister(next);
                if (current != latents) {
                    current.close();
                }
                current = next;
            }
        }
        return current;
    }

    /** Which rows are guided, with their scales, and how to build and fold the doubled batch. */
    record Guidance(int[] guidedRows, NDArray scales, NDArray rescale, int batch) {

        static Guidance of(List<RenderRequest> requests, ai.djl.ndarray.NDManager manager) {
            int guided = 0;
            for (RenderRequest r : requests) {
                guided += r.usesGuidance() ? 1 : 0;
            }
            int[] rows = new int[guided];
            float[] scales = new float[guided];
            float[] rescale = new float[guided];
            boolean anyRescale = false;
            int k = 0;
            for (int i = 0; i < requests.size(); i++) {
                if (requests.get(i).usesGuidance()) {
                    rows[k] = i;
                    scales[k] = (float) requests.get(i).guidanceScale();
                    rescale[k] = (float) requests.get(i).guidanceRescale();
                    anyRescale |= rescale[k] > 0;
                    k++;
                }
            }
            return new Guidance(
                    rows,
                    guided == 0 ? null : manager.create(scales).reshape(guided, 1, 1, 1),
                    anyRescale ? manager.create(rescale).reshape(guided, 1, 1, 1) : null,
                    requests.size());
        }

        NDArray doubled(NDArray latents) {
            if (guidedRows.length == 0) {
                return latents;
            }
            NDList parts = new NDList(guidedRows.length + 1);
            parts.add(guidedLatents(latents));
            parts.add(latents);
            return NDArrays.concat(parts, 0);
        }

        private NDArray guidedLatents(NDArray latents) {
            if (guidedRows.length == batch) {
                return latents;
            }
            long[] index = new long[guidedRows.length];
            for (int i = 0; i < index.length; i++) {
                index[i] = guidedRows[i];
            }
            return latents.get(new NDIndex("{}", latents.getManager().create(index)));
        }

        /** {@code uncond + g (cond - uncond)} on guided rows; the conditional prediction on the others. */
        NDArray combine(NDArray prediction) {
            if (guidedRows.length == 0) {
                return prediction;
            }
            int g = guidedRows.length;
            NDArray uncond = prediction.get(new NDIndex("0:{}", g));
            NDArray cond = prediction.get(new NDIndex("{}:", g));
            NDArray condGuided = guidedLatents(cond);
            NDArray combined = uncond.add(condGuided.sub(uncond).mul(scales));
            if (rescale != null) {
                combined = rescaled(combined, condGuided);
            }
            if (g == batch) {
                return combined;
            }
            NDArray out = cond.duplicate();
            for (int k = 0; k < g; k++) {
                out.set(new NDIndex("{}", guidedRows[k]), combined.get(new NDIndex("{}", k)));
            }
            return out;
        }

        /** Section 3.4 of "Common Diffusion Noise Schedules and Sample Steps are Flawed" (diffusers' rescale_noise_cfg). */
        private NDArray rescaled(NDArray guided, NDArray cond) {
            NDArray stdCond = std(cond);
            NDArray stdGuided = std(guided);
            NDArray matched = guided.mul(stdCond.div(stdGuided));
            return matched.mul(rescale).add(guided.mul(rescale.neg().add(1f)));
        }

        private static NDArray std(NDArray x) {
            long n = x.getShape().size() / x.getShape().get(0);
            NDArray flat = x.reshape(x.getShape().get(0), -1);
            NDArray mean = flat.mean(new int[] {1}, true);
            NDArray var = flat.sub(mean).square().sum(new int[] {1}, true).div((float) (n - 1));
            return var.sqrt().reshape(x.getShape().get(0), 1, 1, 1);
        }
    }
}
