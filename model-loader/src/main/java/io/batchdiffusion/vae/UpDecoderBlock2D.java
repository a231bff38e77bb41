package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.blocks.Upsample2D;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/** diffusers' {@code UpDecoderBlock2D}: resnets without time embedding, then an optional 2x upsampler. */
final class UpDecoderBlock2D {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Upsample2D upsampler;

    UpDecoderBlock2D(
            Weights w, int numLayers, long in, long out, boolean addUpsample, int groups, double eps, Activation act) {
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(w.pp("resnets").pp(i), i == 0 ? in : out, out, 0, groups, eps, act));
        }
        this.upsampler = addUpsample ? new Upsample2D(w.pp("upsamplers").pp(0), out, out) : null;
    }

    NDArray forward(NDArray x) {
        return Scope.run(() -> {
            NDArray h = x;
            for (ResnetBlock2D resnet : resnets) {
                h = Scope.advance(h, resnet.forward(h, null), x);
            }
            return upsampler == null ? h : Scope.advance(h, upsampler.forward(h), x);
        });
    }
}
