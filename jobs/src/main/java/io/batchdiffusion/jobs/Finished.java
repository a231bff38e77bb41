package io.batchdiffusion.jobs;

import io.batchdiffusion.pipeline.RenderedImage;

/** A task at the end of rendering and storing: an image (new or reused) or a failure. */
record Finished(
        RenderTask task,
        RenderStatus status,
        String message,
        byte[] png,
        RenderedImage image,
        long writeMillis,
        boolean reused) {

    static Finished rendered(RenderTask task, RenderedImage image, byte[] png, long writeMillis) {
        return new Finished(task, RenderStatus.OK, null, png, image, writeMillis, false);
    }

    static Finished reused(RenderTask task, byte[] png) {
        return new Finished(task, RenderStatus.OK, null, png, null, 0, true);
    }

    static Finished failed(RenderTask task, RenderStatus status, String message) {
        return new Finished(task, status, message, null, null, 0, false);
    }
}
