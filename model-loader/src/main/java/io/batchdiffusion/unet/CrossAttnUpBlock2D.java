package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.blocks.Transformer2DModel;
import io.batchdiffusion.blocks.Upsample2D;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: (resnet over [input ; skip], transformer) pairs, then an
 * optional upsampler.
 */
final class CrossAttnUpBlock2D implements UNetUpBlock {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Upsample2D upsampler;

    CrossAttnUpBlock2D(Weights w, BlockSpec s) {
        for (int i = 0; i < s.numLayers(); i++) {
            resnets.add(UpBlock2D.resnet(w, i, s));
            attentions.add(new Transformer2DModel(w.pp("attentions").pp(i), s.transformer(s.outChannels())));
        }
        this.upsampler =
                s.addSample() ? new Upsample2D(w.pp("upsamplers").pp(0), s.outChannels(), s.outChannels()) : null;
    }

    @Override
    public int numResnets() {
        return resnets.size();
    }

    @Override
    public NDArray forward(NDArray x, List<NDArray> skips, NDArray temb, NDArray context, long[] upsampleSize) {
        return Scope.run(() -> {
            NDArray h = x;
            for (int i = 0; i < resnets.size(); i++) {
                NDArray skip = skips.get(skips.size() - 1 - i);
                h = resnets.get(i).forward(NDArrays.concat(new NDList(h, skip), 1), temb);
                h = attentions.get(i).forward(h, context);
            }
            if (upsampler == null) {
                return h;
            }
            return upsampleSize == null ? upsampler.forward(h) : upsampler.forward(h, upsampleSize);
        });
    }
}
