package io.batchdiffusion.vae;

import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.weights.InvalidModelFileException;
import java.nio.file.Path;
import java.util.List;

/** The {@code config.json} of diffusers' {@code AutoencoderKL} (0.27.2), keys in camelCase, with its defaults. */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        String actFn,
        int latentChannels,
        int normNumGroups,
        List<Integer> sampleSize,
        double scalingFactor,
        List<Double> latentsMean,
        List<Double> latentsStd,
        boolean forceUpcast) {

    static final String DOWN = "DownEncoderBlock2D";
    static final String UP = "UpDecoderBlock2D";

    public static final AutoencoderKLConfig DEFAULTS = new AutoencoderKLConfig(
            3, 3, List.of(DOWN), List.of(UP), List.of(64), 1, "silu", 4, 32, List.of(32), 0.18215, null, null, true);

    public static AutoencoderKLConfig load(Path file) {
        AutoencoderKLConfig config = ConfigLoader.load(file, AutoencoderKLConfig.class, DEFAULTS);
        config.validate(file);
        return config;
    }

    /** Throws, naming {@code file} and the key, for options this implementation does not build. */
    void validate(Path file) {
        for (String type : downBlockTypes) {
            require(file, DOWN.equals(type), "unsupported down_block_types entry " + type);
        }
        for (String type : upBlockTypes) {
            require(file, UP.equals(type), "unsupported up_block_types entry " + type);
        }
        int n = blockOutChannels.size();
        require(
                file,
                downBlockTypes.size() == n,
                "down_block_types has " + downBlockTypes.size() + " entries but block_out_channels has " + n);
        require(
                file,
                upBlockTypes.size() == n,
                "up_block_types has " + upBlockTypes.size() + " entries but block_out_channels has " + n);
        try {
            Activation.fromConfig(actFn, "act_fn");
        } catch (IllegalArgumentException e) {
            throw new InvalidModelFileException(file, "unsupported activation act_fn = " + actFn, e);
        }
    }

    private static void require(Path file, boolean ok, String message) {
        if (!ok) {
            throw new InvalidModelFileException(file, message);
        }
    }
}
