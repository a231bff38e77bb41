/**
 * CLIP as transformers 4.39 has it: the Stable Diffusion text encoder ({@link
 * io.batchdiffusion.clip.ClipTextModel}), the vision tower and {@code CLIPModel}, the image processor
 * with Pillow's resampling, and torchmetrics' CLIPScore ({@link io.batchdiffusion.clip.ClipScorer}).
 * Tokenisation is not here: everything works from token ids.
 */
package io.batchdiffusion.clip;
