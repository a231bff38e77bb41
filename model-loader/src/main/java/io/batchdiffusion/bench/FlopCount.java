package io.batchdiffusion.bench;

import io.batchdiffusion.clip.ClipTextConfig;
import io.batchdiffusion.clip.ClipVisionConfig;
import io.batchdiffusion.unet.UNet2DConditionConfig;
import io.batchdiffusion.vae.AutoencoderKLConfig;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Floating-point operations of one sample's forward pass, derived from a model config: convolutions,
 * linear layers and the two matrix products of attention ({@code q k^T} and {@code probs v}), two
 * operations per multiply-add. Norms, activations and softmax are left out (a few percent); so the
 * achieved rate compares directly with the matrix-multiply ceiling. SD 1.5's UNet comes to 180.1 GFLOP
 * at 32x32 latents and 803.3 GFLOP at 64x64.
 */
public final class FlopCount {

    private FlopCount() {}

    static double conv(long in, long out, int kernel, long height, long width) {
        return 2.0 * in * out * kernel * kernel * height * width;
    }

    static double linear(long in, long out, long rows) {
        return 2.0 * in * out * rows;
    }

    /** Both products of attention with {@code queries} x {@code keys} scores over {@code width} channels. */
    static double attention(long queries, long keys, long width) {
        return 2 * 2.0 * queries * keys * width;
    }

    static double resnet(long in, long out, long tembChannels, long height, long width) {
        double flops = conv(in, out, 3, height, width) + conv(out, out, 3, height, width);
        flops += tembChannels > 0 ? linear(tembChannels, out, 1) : 0;
        return flops + (in == out ? 0 : conv(in, out, 1, height, width));
    }

    /** A {@code Transformer2DModel} of {@code layers} basic blocks (self-attention, cross-attention, GEGLU). */
    static double transformer(long channels, long tokens, long contextTokens, long contextDim, int layers) {
        double block = 4 * linear(channels, channels, tokens) + attention(tokens, tokens, channels);
        block += 2 * linear(channels, channels, tokens) + 2 * linear(contextDim, channels, contextTokens);
        block += attention(tokens, contextTokens, channels);
        block += linear(channels, 8 * channels, tokens) + linear(4 * channels, channels, tokens);
        return 2 * linear(channels, channels, tokens) + layers * block;
    }

    /** One UNet sample at {@code latentH x latentW} conditioned on {@code contextTokens} text tokens. */
    public static double unet(UNet2DConditionConfig c, long latentH, long latentW, long contextTokens) {
        List<Integer> channels = c.blockOutChannels();
        int n = c.numBlocks();
        long temb = c.timeEmbedDim();
        long h = latentH;
        long w = latentW;
        double flops = linear(channels.get(0), temb, 1) + linear(temb, temb, 1);
        flops += conv(c.inChannels(), channels.get(0), c.convInKernel(), h, w);
        Deque<Long> skips = new ArrayDeque<>(List.of((long) channels.get(0)));
        long ch = channels.get(0);
        for (int i = 0; i < n; i++) {
            long out = channels.get(i);
            boolean attn = c.downBlockTypes().get(i).startsWith("CrossAttn");
            for (int j = 0; j < c.perBlock(c.layersPerBlock()).get(i); j++) {
                flops += resnet(ch, out, temb, h, w);
                ch = out;
                if (attn) {
                    flops += transformer(out, h * w, contextTokens, contextDim(c, i), transformerLayers(c, i));
                }
                skips.push(out);
            }
            if (i < n - 1) {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                flops += conv(out, out, 3, h, w);
                skips.push(out);
            }
        }
        if (c.midBlockType() != null) {
            flops += 2 * resnet(ch, ch, temb, h, w);
            flops += transformer(ch, h * w, contextTokens, contextDim(c, n - 1), transformerLayers(c, n - 1));
        }
        for (int i = 0; i < n; i++) {
            int level = n - 1 - i;
            long out = channels.get(level);
            boolean attn = c.upBlockTypes().get(i).startsWith("CrossAttn");
            for (int j = 0; j < c.perBlock(c.layersPerBlock()).get(level) + 1; j++) {
                flops += resnet(ch + skips.pop(), out, temb, h, w);
                ch = out;
                if (attn) {
                    int layers = c.upTransformerLayersPerBlock().get(i);
                    flops += transformer(out, h * w, contextTokens, contextDim(c, level), layers);
                }
            }
            if (i < n - 1) {
                h *= 2;
                w *= 2;
                flops += conv(out, out, 3, h, w);
            }
        }
        return flops + conv(channels.get(0), c.outChannels(), c.convOutKernel(), h, w);
    }

    private static long contextDim(UNet2DConditionConfig c, int block) {
        return c.perBlock(c.crossAttentionDim()).get(block);
    }

    private static int transformerLayers(UNet2DConditionConfig c, int block) {
        return c.perBlock(c.transformerLayersPerBlock()).get(block);
    }

    /** {@code post_quant_conv} and the decoder of one latent of {@code latentH x latentW}. */
    public static double vaeDecoder(AutoencoderKLConfig c, long latentH, long latentW) {
        List<Integer> channels = c.blockOutChannels();
        int n = channels.size();
        long h = latentH;
        long w = latentW;
        long ch = channels.get(n - 1);
        double flops = conv(c.latentChannels(), c.latentChannels(), 1, h, w);
        flops += conv(c.latentChannels(), ch, 3, h, w);
        flops += 2 * resnet(ch, ch, 0, h, w);
        flops += 4 * linear(ch, ch, h * w) + attention(h * w, h * w, ch);
        for (int i = 0; i < n; i++) {
            long out = channels.get(n - 1 - i);
            for (int j = 0; j < c.layersPerBlock() + 1; j++) {
                flops += resnet(ch, out, 0, h, w);
                ch = out;
            }
            if (i < n - 1) {
                h *= 2;
                w *= 2;
                flops += conv(out, out, 3, h, w);
            }
        }
        return flops + conv(channels.get(0), c.outChannels(), 3, h, w);
    }

    /** One prompt of {@code tokens} tokens through every layer of the CLIP text encoder. */
    public static double clipText(ClipTextConfig c, long tokens) {
        return encoder(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), tokens);
    }

    /** One image through the CLIP vision tower (patch embedding and encoder). */
    public static double clipVision(ClipVisionConfig c) {
        long grid = c.imageSize() / c.patchSize();
        double patches = conv(c.numChannels(), c.hiddenSize(), c.patchSize(), grid, grid);
        return patches + encoder(c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), grid * grid + 1);
    }

    private static double encoder(long hidden, long intermediate, int layers, long tokens) {
        double layer = 4 * linear(hidden, hidden, tokens) + attention(tokens, tokens, hidden);
        layer += linear(hidden, intermediate, tokens) + linear(intermediate, hidden, tokens);
        return layers * layer;
    }
}
