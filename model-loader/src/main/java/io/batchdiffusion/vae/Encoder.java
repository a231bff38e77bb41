package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.GroupNorm;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code vae.Encoder}: {@code conv_in}, down blocks, mid block, GroupNorm-SiLU-{@code conv_out}
 * to twice the latent channels (mean and log-variance).
 */
final class Encoder {

    private static final double EPS = 1e-6;

    private final Conv2d convIn;
    private final List<DownEncoderBlock2D> downBlocks = new ArrayList<>();
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Encoder(Weights w, AutoencoderKLConfig c) {
        List<Integer> channels = c.blockOutChannels();
        int n = channels.size();
        int groups = c.normNumGroups();
        Activation act = Activation.fromConfig(c.actFn(), "act_fn");
        this.convIn = Conv2d.same(w.pp("conv_in"), c.inChannels(), channels.get(0), 3);
        for (int i = 0; i < n; i++) {
            downBlocks.add(new DownEncoderBlock2D(
                    w.pp("down_blocks").pp(i),
                    c.layersPerBlock(),
                    channels.get(Math.max(0, i - 1)),
                    channels.get(i),
                    i < n - 1,
                    0,
                    groups,
                    EPS,
                    act));
        }
        long top = channels.get(n - 1);
        this.midBlock = new UNetMidBlock2D(w.pp("mid_block"), top, groups, EPS, act);
        this.convNormOut = new GroupNorm(w.pp("conv_norm_out"), groups, top, EPS);
        this.convOut = Conv2d.same(w.pp("conv_out"), top, 2L * c.latentChannels(), 3);
    }

    NDArray forward(NDArray image) {
        return Scope.run(() -> {
            NDArray h = convIn.forward(image);
            for (DownEncoderBlock2D block : downBlocks) {
                h = block.forward(h);
            }
            h = midBlock.forward(h);
            // conv_act is SiLU whatever act_fn says
            return convOut.forward(Activation.SILU.apply(convNormOut.forward(h)));
        });
    }
}
