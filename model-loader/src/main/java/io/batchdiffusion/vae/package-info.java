/**
 * diffusers' {@code AutoencoderKL} (Stable Diffusion's VAE): {@code Encoder} to a diagonal Gaussian over
 * latents, {@code Decoder} back to images, bound to a diffusers {@code vae/} folder.
 */
package io.batchdiffusion.vae;
