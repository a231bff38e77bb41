package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.blocks.Upsample2D;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/** diffusers' {@code UpBlock2D}: resnets over [input ; skip], then an optional upsampler; no attention. */
final class UpBlock2D implements UNetUpBlock {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Upsample2D upsampler;

    UpBlock2D(Weights w, BlockSpec s) {
        for (int i = 0; i < s.numLayers(); i++) {
            resnets.add(resnet(w, i, s));
        }
        this.upsampler =
                s.addSample() ? new Upsample2D(w.pp("upsamplers").pp(0), s.outChannels(), s.outChannels()) : null;
    }

    /**
     * Resnet {@code i} of an up block: its input is the previous layer's output (the block below's for
     * the first) concatenated with a skip connection; the last layer's skip is the input of the matching
     * down block ({@code in_channels} wide).
     */
    static ResnetBlock2D resnet(Weights w, int i, BlockSpec s) {
        long skip = i == s.numLayers() - 1 ? s.inChannels() : s.outChannels();
        long in = i == 0 ? s.prevOutputChannel() : s.outChannels();
        return new ResnetBlock2D(
                w.pp("resnets").pp(i),
                in + skip,
                s.outChannels(),
                s.tembChannels(),
                s.resnetGroups(),
                s.resnetEps(),
                s.act());
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
            }
            if (upsampler == null) {
                return h;
            }
            return upsampleSize == null ? upsampler.forward(h) : upsampler.forward(h, upsampleSize);
        });
    }
}
