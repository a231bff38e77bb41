package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.blocks.Downsample2D;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/** diffusers' {@code DownEncoderBlock2D}: resnets without time embedding, then an optional downsampler. */
final class DownEncoderBlock2D {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Downsample2D downsampler;

    /** @param downsamplePadding 0 in the VAE: pad right/bottom, then a stride-2 conv without padding */
    DownEncoderBlock2D(
            Weights w,
            int numLayers,
            long in,
            long out,
            boolean addDownsample,
            int downsamplePadding,
            int groups,
            double eps,
            Activation act) {
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(w.pp("resnets").pp(i), i == 0 ? in : out, out, 0, groups, eps, act));
        }
        this.downsampler =
                addDownsample ? new Downsample2D(w.pp("downsamplers").pp(0), out, out, downsamplePadding) : null;
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> {
            NDArray h = x;
            for (ResnetBlock2D resnet : resnets) {
                h = resnet.forward(h, null);
            }
            return downsampler == null ? h : downsampler.forward(h);
        });
    }
}
