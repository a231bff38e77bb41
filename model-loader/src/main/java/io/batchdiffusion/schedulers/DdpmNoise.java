package io.batchdiffusion.schedulers;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Scope;

/** The forward process q(x_t | x_0) of Ho et al. 2020 (https://arxiv.org/abs/2006.11239), equation (4). */
final class DdpmNoise {

    private DdpmNoise() {}

    /** {@code sqrt(alpha_bar) * original + sqrt(1 - alpha_bar) * noise}. */
    static NDArray add(NDArray original, NDArray noise, float alphaCumprod) {
        return Scope.run(() ->
                original.mul((float) Math.sqrt(alphaCumprod)).add(noise.mul((float) Math.sqrt(1f - alphaCumprod))));
    }
}
