/**
 * Synthetic captioned images of flat shapes for training a small text-to-image model: a deterministic
 * generator ({@link io.batchdiffusion.datasets.shapes.ShapesDataset}) with a train/held-out split over
 * colour-shape-background combinations, caption templates, and a pixel-statistics reader of colour and
 * shape ({@link io.batchdiffusion.datasets.shapes.ShapeReader}) for evaluating renders. Plain Java: RGB
 * bytes, captions and labels, no tensor library.
 */
package io.batchdiffusion.datasets.shapes;
