package io.batchdiffusion.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.GroupNorm;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.WeightStore;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * diffusers' {@code UNet2DConditionModel} for Stable Diffusion 1.x/2.x: predicts the noise of a latent
 * sample at a timestep, conditioned on text embeddings through cross-attention.
 */
public final class UNet2DConditionModel {

    private static final Logger LOG = LoggerFactory.getLogger(UNet2DConditionModel.class);

    private final UNet2DConditionConfig config;
    private final Weights weights;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final Activation timeEmbedAct;
    private final List<UNetDownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UNetUpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Activation convAct;
    private final Conv2d convOut;

    UNet2DConditionModel(Weights w, UNet2DConditionConfig c) {
        this.config = c;
        this.weights = w;
        long ch0 = c.blockOutChannels().get(0);
        Activation act = Activation.fromConfig(c.actFn(), "act_fn");
        this.convIn = Conv2d.same(w.pp("conv_in"), c.inChannels(), ch0, c.convInKernel());
        this.timeProj = new Timesteps((int) ch0, c.flipSinToCos(), c.freqShift());
        this.timeEmbedding = new TimestepEmbedding(
                w.pp("time_embedding"), ch0, c.timeEmbedDim(), act, activationOrNull(c.timestepPostAct()));
        this.timeEmbedAct = activationOrNull(c.timeEmbeddingActFn());
        this.downBlocks = buildDownBlocks(w.pp("down_blocks"), c, act);
        this.midBlock = buildMidBlock(w.pp("mid_block"), c, act);
        this.upBlocks = buildUpBlocks(w.pp("up_blocks"), c, act);
        this.convNormOut = new GroupNorm(w.pp("conv_norm_out"), c.normNumGroups(), ch0, c.normEps());
        this.convAct = act;
        this.convOut = Conv2d.same(w.pp("conv_out"), ch0, c.outChannels(), c.convOutKernel());
    }

    /**
     * Reads {@code config.json} and the weights of a diffusers {@code unet/} folder. Unsupported options
     * fail before any tensor is read; a missing or misshaped tensor fails naming it; tensors the model
     * does not use are logged.
     */
    public static UNet2DConditionModel load(Path unetFolder, NDManager manager, DataType dtype) {
        UNet2DConditionConfig config = UNet2DConditionConfig.load(unetFolder.resolve("config.json"));
        Weights w = Weights.of(WeightStore.ofFolder(unetFolder), manager, dtype);
        UNet2DConditionModel model = new UNet2DConditionModel(w, config);
        if (!w.unused().isEmpty()) {
            LOG.warn(
                    "{}: {} tensors are not used by the model: {}",
                    unetFolder,
                    w.unused().size(),
                    w.unused());
        }
        return model;
    }

    /**
     * A model of {@code config} on {@code weights}, e.g. {@link Weights#initialized} for a fresh model
     * (training, benchmarks); {@code source} names the config in error messages.
     */
    public static UNet2DConditionModel build(UNet2DConditionConfig config, Weights weights, Path source) {
        config.validate(source);
        return new UNet2DConditionModel(weights, config);
    }

    private static Activation activationOrNull(String name) {
        return name == null ? null : Activation.fromConfig(name, name);
    }

    private static List<UNetDownBlock> buildDownBlocks(Weights w, UNet2DConditionConfig c, Activation act) {
        List<UNetDownBlock> blocks = new ArrayList<>();
        List<Integer> channels = c.blockOutChannels();
        int n = c.numBlocks();
        for (int i = 0; i < n; i++) {
            BlockSpec spec = new BlockSpec(
                    c.perBlock(c.layersPerBlock()).get(i),
                    c.perBlock(c.transformerLayersPerBlock()).get(i),
                    channels.get(Math.max(0, i - 1)),
                    channels.get(i),
                    0,
                    c.timeEmbedDim(),
                    i < n - 1,
                    c.normEps(),
                    act,
                    c.normNumGroups(),
                    c.perBlock(c.crossAttentionDim()).get(i),
                    c.headsPerBlock().get(i),
                    c.downsamplePadding(),
                    c.useLinearProjection(),
                    c.perBlock(c.onlyCrossAttention()).get(i),
                    c.upcastAttention(),
                    1.0);
            boolean attention = c.downBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_DOWN);
            blocks.add(attention ? new CrossAttnDownBlock2D(w.pp(i), spec) : new DownBlock2D(w.pp(i), spec));
        }
        return blocks;
    }

    /** The mid block takes the deepest level's options but never {@code only_cross_attention}. */
    private static UNetMidBlock2DCrossAttn buildMidBlock(Weights w, UNet2DConditionConfig c, Activation act) {
        if (c.midBlockType() == null) {
            return null;
        }
        int last = c.numBlocks() - 1;
        long channels = c.blockOutChannels().get(last);
        BlockSpec spec = new BlockSpec(
                1,
                c.perBlock(c.transformerLayersPerBlock()).get(last),
                channels,
                channels,
                0,
                c.timeEmbedDim(),
                false,
                c.normEps(),
                act,
                c.normNumGroups(),
                c.perBlock(c.crossAttentionDim()).get(last),
                c.headsPerBlock().get(last),
                c.downsamplePadding(),
                c.useLinearProjection(),
                false,
                c.upcastAttention(),
                c.midBlockScaleFactor());
        return new UNetMidBlock2DCrossAttn(w, spec);
    }

    /** Up block {@code i} works at the level of down block {@code n-1-i}, so per-block options reverse. */
    private static List<UNetUpBlock> buildUpBlocks(Weights w, UNet2DConditionConfig c, Activation act) {
        List<UNetUpBlock> blocks = new ArrayList<>();
        int n = c.numBlocks();
        List<Integer> channels = UNet2DConditionConfig.reversed(c.blockOutChannels());
        List<Integer> transformerLayers = c.upTransformerLayersPerBlock();
        for (int i = 0; i < n; i++) {
            int level = n - 1 - i;
            BlockSpec spec = new BlockSpec(
                    c.perBlock(c.layersPerBlock()).get(level) + 1,
                    transformerLayers.get(i),
                    channels.get(Math.min(i + 1, n - 1)),
                    channels.get(i),
                    channels.get(Math.max(0, i - 1)),
                    c.timeEmbedDim(),
                    i < n - 1,
                    c.normEps(),
                    act,
                    c.normNumGroups(),
                    c.perBlock(c.crossAttentionDim()).get(level),
                    c.headsPerBlock().get(level),
                    c.downsamplePadding(),
                    c.useLinearProjection(),
                    c.perBlock(c.onlyCrossAttention()).get(level),
                    c.upcastAttention(),
                    1.0);
            boolean attention = c.upBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_UP);
            blocks.add(attention ? new CrossAttnUpBlock2D(w.pp(i), spec) : new UpBlock2D(w.pp(i), spec));
        }
        return blocks;
    }

    /**
     * Predicts the noise in {@code sample}.
     *
     * @param sample latents [B, in_channels, H, W]
     * @param timesteps per-sample timesteps [B] (float or integer), or one for the whole batch
     * @param encoderHiddenStates text embeddings [B, S, cross_attention_dim]
     * @return [B, out_channels, H, W]
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates) {
        if (sample.getShape().get(0) == 1) {
            // Convolutions over a single sample take other CPU kernels (other rounding) than over
            // several; running one sample as two keeps an image's result independent of its batch.
            return Scope.run(() -> forwardBatch(
                            sample.repeat(0, 2), timesteps.reshape(-1).repeat(0, 2), encoderHiddenStates.repeat(0, 2))
                    .get(new NDIndex("0:1")));
        }
        return forwardBatch(sample, timesteps, encoderHiddenStates);
    }

    private NDArray forwardBatch(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates) {
        return Scope.run(() -> {
            NDArray temb = timeEmbedding(timesteps, sample);
            NDArray x = convIn.forward(
                    config.centerInputSample() ? Scalars.mul(sample, 2).subi(1) : sample);
            List<NDArray> skips = new ArrayList<>(List.of(x));
            for (UNetDownBlock block : downBlocks) {
                NDList states = block.forward(x, temb, encoderHiddenStates);
                skips.addAll(states);
                x = states.get(states.size() - 1);
            }
            if (midBlock != null) {
                x = midBlock.forward(x, temb, encoderHiddenStates);
            }
            boolean passSizes = !fitsUpsampling(sample.getShape());
            for (int i = 0; i < upBlocks.size(); i++) {
                UNetUpBlock block = upBlocks.get(i);
                List<NDArray> mine = new ArrayList<>(skips.subList(skips.size() - block.numResnets(), skips.size()));
                skips.subList(skips.size() - block.numResnets(), skips.size()).clear();
                boolean last = i == upBlocks.size() - 1;
                long[] size = passSizes && !last ? spatialSize(skips.get(skips.size() - 1)) : null;
                x = block.forward(x, mine, temb, encoderHiddenStates, size);
                mine.forEach(NDArray::close); // free skip connections as soon as they are consumed
            }
            return convOut.forward(convAct.apply(convNormOut.forward(x)));
        });
    }

    /** Sinusoidal features of the timesteps, broadcast to the batch, through the embedding MLP. */
    private NDArray timeEmbedding(NDArray timesteps, NDArray sample) {
        return Scope.run(() -> {
            long batch = sample.getShape().get(0);
            NDArray t = timesteps.reshape(-1);
            if (t.size() == 1 && batch > 1) {
                t = t.broadcast(new Shape(batch));
            } else if (t.size() != batch) {
                throw new IllegalArgumentException(
                        "timesteps has " + t.size() + " entries for a batch of " + batch + " samples");
            }
            NDArray features = timeProj.forward(t);
            if (features.getDataType() != sample.getDataType()) {
                features = features.toType(sample.getDataType(), false);
            }
            NDArray emb = timeEmbedding.forward(features);
            return timeEmbedAct == null ? emb : timeEmbedAct.apply(emb);
        });
    }

    /** Whether H and W are multiples of the total upsampling factor, so doubling restores the skip sizes. */
    private boolean fitsUpsampling(Shape shape) {
        long factor = 1L << (upBlocks.size() - 1);
        return shape.get(2) % factor == 0 && shape.get(3) % factor == 0;
    }

    private static long[] spatialSize(NDArray x) {
        return new long[] {x.getShape().get(2), x.getShape().get(3)};
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /** The tensors of the checkpoint no module took (empty for a well-formed checkpoint). */
    public Set<String> unused() {
        return weights.unused();
    }

    /** Every parameter of the model by its diffusers name. */
    public Map<String, NDArray> parameters() {
        return weights.taken();
    }
}
