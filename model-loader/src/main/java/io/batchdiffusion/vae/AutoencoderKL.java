package io.batchdiffusion.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.nn.Conv2d;
import io.batchdiffusion.nn.Scalars;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.WeightStore;
import io.batchdiffusion.weights.Weights;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * diffusers' {@code AutoencoderKL}: {@code encoder} + {@code quant_conv} map images in [-1, 1] to a
 * Gaussian over latents; {@code post_quant_conv} + {@code decoder} map latents back to images.
 */
public final class AutoencoderKL {

    private static final Logger LOG = LoggerFactory.getLogger(AutoencoderKL.class);

    private final AutoencoderKLConfig config;
    private final Weights weights;
    private final Encoder encoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final Decoder decoder;

    AutoencoderKL(Weights w, AutoencoderKLConfig c) {
        this.config = c;
        this.weights = w;
        long moments = 2L * c.latentChannels();
        this.encoder = new Encoder(w.pp("encoder"), c);
        this.quantConv = Conv2d.same(w.pp("quant_conv"), moments, moments, 1);
        this.postQuantConv = Conv2d.same(w.pp("post_quant_conv"), c.latentChannels(), c.latentChannels(), 1);
        this.decoder = new Decoder(w.pp("decoder"), c);
    }

    /**
     * Reads {@code config.json} and the weights of a diffusers {@code vae/} folder. Unsupported options
     * fail before any tensor is read; a missing or misshaped tensor fails naming it; tensors the model
     * does not use are logged.
     */
    public static AutoencoderKL load(Path vaeFolder, NDManager manager, DataType dtype) {
        AutoencoderKLConfig config = AutoencoderKLConfig.load(vaeFolder.resolve("config.json"));
        Weights w = Weights.of(WeightStore.ofFolder(vaeFolder), manager, dtype);
        AutoencoderKL model = new AutoencoderKL(w, config);
        if (!w.unused().isEmpty()) {
            LOG.warn(
                    "{}: {} tensors are not used by the model: {}",
                    vaeFolder,
                    w.unused().size(),
                    w.unused());
        }
        return model;
    }

    /**
     * A model of {@code config} on {@code weights}, e.g. {@link Weights#initialized} for a fresh model
     * (training, benchmarks); {@code source} names the config in error messages.
     */
    public static AutoencoderKL build(AutoencoderKLConfig config, Weights weights, Path source) {
        config.validate(source);
        return new AutoencoderKL(weights, config);
    }

    /**
     * Decodes latents to images, as {@code vae.decode(z).sample}.
     *
     * @param latents [B, latent_channels, h, w], already divided by {@code scaling_factor}
     * @return [B, out_channels, h * 2^(blocks-1), w * 2^(blocks-1)], roughly in [-1, 1]
     */
    public NDArray decode(NDArray latents) {
        return Scope.run(() -> decoder.forward(postQuantConv.forward(latents)));
    }

    /**
     * Encodes images, as {@code vae.encode(image).latent_dist}.
     *
     * @param image [B, in_channels, H, W] in [-1, 1]
     */
    public LatentDistribution encode(NDArray image) {
        NDList parts = Scope.runList(() -> {
            NDList halves = quantConv.forward(encoder.forward(image)).split(2, 1);
            NDArray mean = halves.get(0);
            NDArray logvar = halves.get(1).clip(-30f, 20f);
            NDArray std = Scalars.mul(logvar, 0.5f).exp();
            return new NDList(mean, logvar, std);
        });
        return new LatentDistribution(parts.get(0), parts.get(1), parts.get(2));
    }

    /** The compute type the weights were loaded in. */
    public DataType dtype() {
        return weights.computeType();
    }

    public AutoencoderKLConfig config() {
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
