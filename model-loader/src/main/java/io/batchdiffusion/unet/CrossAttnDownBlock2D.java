package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.batchdiffusion.blocks.Downsample2D;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.blocks.Transformer2DModel;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/** diffusers' {@code CrossAttnDownBlock2D}: (resnet, transformer) pairs, then an optional downsampler. */
final class CrossAttnDownBlock2D implements UNetDownBlock {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Downsample2D downsampler;

    CrossAttnDownBlock2D(Weights w, BlockSpec s) {
        for (int i = 0; i < s.numLayers(); i++) {
            long in = i == 0 ? s.inChannels() : s.outChannels();
            resnets.add(new ResnetBlock2D(
                    w.pp("resnets").pp(i),
                    in,
                    s.outChannels(),
                    s.tembChannels(),
                    s.resnetGroups(),
                    s.resnetEps(),
                    s.act()));
            attentions.add(new Transformer2DModel(w.pp("attentions").pp(i), s.transformer(s.outChannels())));
        }
        this.downsampler = s.addSample()
                ? new Downsample2D(w.pp("downsamplers").pp(0), s.outChannels(), s.outChannels(), s.downsamplePadding())
                : null;
    }

    @Override
    public NDList forward(NDArray x, NDArray temb, NDArray context) {
        return Scope.runList(() -> {
            NDList states = new NDList();
            NDArray h = x;
            for (int i = 0; i < resnets.size(); i++) {
                h = attentions.get(i).forward(resnets.get(i).forward(h, temb), context);
                states.add(h);
            }
            if (downsampler != null) {
                states.add(downsampler.forward(h));
            }
            return states;
        });
    }
}
