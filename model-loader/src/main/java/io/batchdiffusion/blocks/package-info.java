/**
 * Building blocks shared by the UNet and the VAE, after diffusers' {@code models/resnet.py},
 * {@code upsampling.py}, {@code downsampling.py}, {@code attention_processor.py}, {@code attention.py} and
 * {@code transformers/transformer_2d.py}. Each block binds its tensors by their diffusers names from the
 * {@link io.batchdiffusion.weights.Weights} view of its own prefix.
 */
package io.batchdiffusion.blocks;
