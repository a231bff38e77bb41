package io.batchdiffusion.nn;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Runs inference with gradient recording off on the calling thread. PyTorch keeps that switch per
 * thread and DJL turns it off only on the thread that starts the engine, so a render on any other
 * thread (every Spark task thread but one) would run with it on: no in-place activations, no
 * small-convolution products, more memory. Entry points for inference wrap their work in this.
 */
public final class NoGrad {

    private NoGrad() {}

    public static <T> T call(Supplier<T> body) {
        boolean recording = JniUtils.isGradMode();
        if (recording) {
            JniUtils.setGradMode(false);
        }
        try {
            return body.get();
        } finally {
            if (recording) {
                JniUtils.setGradMode(true);
            }
        }
    }
}
