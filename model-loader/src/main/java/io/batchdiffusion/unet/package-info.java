/**
 * diffusers' {@code UNet2DConditionModel} (Stable Diffusion 1.x/2.x denoiser) and its blocks, bound to a
 * diffusers {@code unet/} folder; configs other than the supported block types and embeddings are
 * refused at load.
 */
package io.batchdiffusion.unet;
