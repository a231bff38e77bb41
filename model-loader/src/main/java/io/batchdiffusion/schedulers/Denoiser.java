package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The denoised estimate D(x; sigma) of the sigma-parameterised schedulers from the UNet output, by what
 * the UNet predicts (Karras et al. 2022, Table 1 preconditioning, for v: c_skip = 1 / (sigma^2 + 1),
 * c_out = -sigma / sqrt(sigma^2 + 1)).
 */
final class Denoiser {

    private Denoiser() {}

    static NDArray predictOriginal(PredictionType prediction, NDArray modelOutput, NDArray sample, float sigma) {
        return switch (prediction) {
            case EPSILON -> sample.sub(modelOutput.mul(sigma));
            case SAMPLE -> modelOutput.duplicate();
            case V_PREDICTION -> {
                float variance = sigma * sigma + 1f;
                float cOut = -sigma / (float) Math.sqrt(variance);
                yield modelOutput.mul(cOut).add(sample.div(variance));
            }
        };
    }
}
