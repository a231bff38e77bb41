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
 * diffusers' {@code vae.Decoder}: {@code conv_in} from the latents, mid block, up blocks (widest first),
 * GroupNorm-SiLU-{@code conv_out} to image channels.
 */
final class Decoder {

    private static final double EPS = 1e-6;

    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final List<UpDecoderBlock2D> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Decoder(Weights w, AutoencoderKLConfig c) {
        List<Integer> channels = c.blockOutChannels();
        int n = channels.size();
        int groups = c.normNumGroups();
        Activation act = Activation.fromConfig(c.actFn(), "act_fn");
        long top = channels.get(n - 1);
        this.convIn = Conv2d.same(w.pp("conv_in"), c.latentChannels(), top, 3);
        this.midBlock = new UNetMidBlock2D(w.pp("mid_block"), top, groups, EPS, act);
        for (int i = 0; i < n; i++) {
            upBlocks.add(new UpDecoderBlock2D(
                    w.pp("up_blocks").pp(i),
                    c.layersPerBlock() + 1,
                    channels.get(n - 1 - Math.max(0, i - 1)),
                    channels.get(n - 1 - i),
                    i < n - 1,
                    groups,
                    EPS,
                    act));
        }
        this.convNormOut = new GroupNorm(w.pp("conv_norm_out"), groups, channels.get(0), EPS);
        this.convOut = Conv2d.same(w.pp("conv_out"), channels.get(0), c.outChannels(), 3);
    }

    NDArray forward(NDArray z) {
        return Scope.run(() -> {
            NDArray h = midBlock.forward(convIn.forward(z));
            for (UpDecoderBlock2D block : upBlocks) {
                h = Scope.advance(h, block.forward(h), null);
            }
            // conv_act is SiLU whatever act_fn says
            return convOut.forward(Activation.SILU.apply(convNormOut.forward(h)));
        });
    }
}
