package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.blocks.ResnetBlock2D;
import io.batchdiffusion.blocks.Transformer2DModel;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn}: a resnet, then (transformer, resnet) pairs, at constant
 * width; the resnets divide their output by {@code mid_block_scale_factor}.
 */
final class UNetMidBlock2DCrossAttn {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();

    UNetMidBlock2DCrossAttn(Weights w, BlockSpec s) {
        long channels = s.inChannels();
        resnets.add(resnet(w, 0, s));
        for (int i = 0; i < s.numLayers(); i++) {
            attentions.add(new Transformer2DModel(w.pp("attentions").pp(i), s.transformer(channels)));
            resnets.add(resnet(w, i + 1, s));
        }
    }

    private static ResnetBlock2D resnet(Weights w, int index, BlockSpec s) {
        return new ResnetBlock2D(
                w.pp("resnets").pp(index),
                s.inChannels(),
                s.inChannels(),
                s.tembChannels(),
                s.resnetGroups(),
                s.resnetEps(),
                s.act(),
                s.outputScaleFactor(),
                false);
    }

    NDArray forward(NDArray x, NDArray temb, NDArray context) {
        return Scope.run(() -> {
            NDArray h = resnets.get(0).forward(x, temb);
            for (int i = 0; i < attentions.size(); i++) {
                h = resnets.get(i + 1).forward(attentions.get(i).forward(h, context), temb);
            }
            return h;
        });
    }
}
